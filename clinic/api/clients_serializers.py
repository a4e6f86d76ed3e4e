"""API serializers of clients: identity and contact details, explicit fields listed by name."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from clinic.models import NAME_MAX


class ClientBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    preferred_name = serializers.CharField()
    pronouns = serializers.CharField()


class ClientOutput(ClientBriefOutput):
    date_of_birth = serializers.DateField(allow_null=True)
    email = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    emergency_contact_name = serializers.CharField()
    emergency_contact_phone = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ClientInput(serializers.Serializer):
    """Create (first and last name required) or partially update a client."""

    first_name = serializers.CharField(max_length=NAME_MAX)
    last_name = serializers.CharField(max_length=NAME_MAX)
    preferred_name = serializers.CharField(max_length=NAME_MAX, required=False, allow_blank=True)
    pronouns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True,
                                   error_messages={"invalid": "Give a valid email address."})
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    emergency_contact_name = serializers.CharField(max_length=NAME_MAX, required=False, allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def validate_date_of_birth(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError("The date of birth cannot be in the future.")
        return value


class ClientSearchInput(serializers.Serializer):
    name = serializers.CharField(max_length=2 * NAME_MAX + 1,
                                 help_text="Exact full name or last name; case, accents and spacing are ignored.")
