"""Licences: records, commitments, packages, issuance and verification."""
