"""Request bodies: unknown fields refused, lengths bounded (the error names the field)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HolderCode(Strict):
    code_type: str = Field(max_length=3, examples=["111"])
    code: str = Field(max_length=64)


class CaseIn(Strict):
    matter_code: str = Field(max_length=64, examples=["DX-CG0001"])
    holder: HolderCode


class RequestIn(Strict):
    purpose: str = Field(min_length=1, max_length=200, examples=["办理户外广告设施设置许可"])


class PullIn(Strict):
    type_code: str = Field(max_length=21)
    identifier: str | None = Field(None, max_length=120)


class ChallengeIn(Strict):
    approve: list[str] = Field(min_length=1, max_length=50)
    sensitive_consent: list[str] = Field(default_factory=list, max_length=50)
    confirmation_code: str = Field(max_length=12)


class ApproveIn(Strict):
    credential: dict[str, Any] | None = None
    pin: str | None = Field(None, max_length=12)


class EnrolIn(Strict):
    """Evidence for the identity check (development check: a valid code and a name)."""

    code_type: str = Field(max_length=3)
    code: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=100)


class CredentialIn(Strict):
    credential: dict[str, Any]


class PinIn(Strict):
    pin: str = Field(max_length=12)


class TokenIn(Strict):
    role: Literal["issuer", "window", "auditor", "admin"]  # holders sign in with their passkey
    subject: str = Field(min_length=1, max_length=100)
    window: str | None = Field(None, max_length=40)
    department: str | None = Field(None, max_length=100)
    minutes: float | None = Field(None, gt=0, le=24 * 60)


class LicenceIn(Strict):
    licence: dict[str, Any]
    body_base64: str | None = None


class StatusIn(Strict):
    change: Literal["revoke", "suspend", "reinstate"]
    reason: int = Field(ge=0, le=99)
