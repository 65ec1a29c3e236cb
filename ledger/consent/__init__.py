"""Consent-gated distribution: cases at windows, QR authorisation requests, holder consent
signed with a passkey (or a PIN), single-use grants, verified and stamped use copies."""
