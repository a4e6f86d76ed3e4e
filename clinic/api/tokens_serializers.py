"""API serializers of token requests: credentials in, the token and its expiry out."""

from __future__ import annotations

from rest_framework import serializers


class TokenRequestInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(max_length=16, help_text="The current code from your authenticator app.")


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
