"""Model fields that store clinical text encrypted and bound to its row.

The attribute on a model instance is plaintext to the code that reads it. In the database the column
holds `envelope` bytes sealed under the row's key owner (the couple, or the practice for identity),
with associated data naming table, column and row id. Values are opened lazily on first read and
sealed in `pre_save`, which is the only place the row they belong to is known. `queryset.update()` and
lookups on these fields are refused: they would need plaintext in SQL.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any, ClassVar

from django.core import validators
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from . import envelope, keyring
from .errors import CryptoError, EncryptionContextError, KeyShreddedError
from .signals import send_decryption_failed

SHREDDED_TEXT = "[destroyed at the end of retention]"
ENCODED_PREFIX = "enc:"


class Sealed:
    """Ciphertext as loaded from the database, with its plaintext once opened."""

    __slots__ = ("blob", "plain", "aad", "raw")

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.plain: Any = None
        self.aad: bytes | None = None
        self.raw: bytes | None = None  # plaintext bytes, kept for mutable values (JSON) only

    def __repr__(self) -> str:
        return f"<Sealed {len(self.blob)} bytes>"


class EncryptedModel(models.Model):
    """Base for models holding encrypted fields: says whose data key seals the row.

    Subclasses set `key_owner_kind` ("couple" or "practice") and `key_owner_field`, the attribute holding
    the owner's id (e.g. "couple_id"), which is also a valid queryset lookup (used by key rotation).
    """

    key_owner_kind: ClassVar[str]
    key_owner_field: ClassVar[str]

    class Meta:
        abstract = True

    def key_owner(self) -> keyring.KeyOwner:
        return keyring.KeyOwner(self.key_owner_kind, getattr(self, self.key_owner_field))

    def crypto_context(self) -> tuple[keyring.KeyOwner, bytes]:
        """The key owner and the row part of the associated data, remembered while pk and owner stay."""
        pk = self.pk
        owner_id = getattr(self, self.key_owner_field)
        cached = self.__dict__.get("_crypto_context")
        if cached is not None and cached[0] is pk and cached[1] is owner_id:
            return cached[2], cached[3]
        owner = self.key_owner()
        pk_text = str(pk)
        owner_text = pk_text if owner.id is pk else str(owner.id)
        row_part = f"|{pk_text}|{owner.kind}:{owner_text}".encode()
        self.__dict__["_crypto_context"] = (pk, owner_id, owner, row_part)
        return owner, row_part

    @classmethod
    def rows_owned_by(cls, owner: keyring.KeyOwner) -> models.QuerySet:
        """Every row whose encrypted fields are sealed under `owner`'s keys."""
        # The base manager: a default manager that hides rows (archived, deleted) must not hide them
        # from key rotation, or their values would be left under a key that rotation deletes.
        if owner.kind != cls.key_owner_kind:
            return cls._base_manager.none()
        return cls._base_manager.filter(**{cls.key_owner_field: owner.id})


class EncryptedAttribute:
    """Data descriptor: returns plaintext, opening the stored value on first access."""

    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:
            instance.refresh_from_db(fields=[name])
        value = instance.__dict__[name]
        if isinstance(value, Sealed):
            return self.field.reveal(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        current = instance.__dict__.get(self.field.attname)
        if (
            isinstance(current, Sealed)
            and current.aad is not None
            and type(current.plain) is type(value)
            and current.plain == value
        ):
            return  # the same plaintext set again (full_clean does this): keep the ciphertext
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.Field):
    """Base: subclasses say how plaintext maps to bytes (`to_bytes` / `from_bytes`)."""

    descriptor_class = EncryptedAttribute
    empty_strings_allowed = True
    mutable_values = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)
        self._aad_prefixes: dict[str, bytes] = {}
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def get_internal_type(self) -> str:
        return "BinaryField"

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, EncryptedAttribute(self))

    # --- plaintext <-> bytes --------------------------------------------------------------------
    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode()

    def from_bytes(self, data: bytes) -> Any:
        return data.decode()

    # --- sealing and opening --------------------------------------------------------------------
    def aad_for(self, instance: Any) -> bytes:
        return self._aad(instance, instance.crypto_context()[1])

    def _aad(self, instance: Any, row_part: bytes) -> bytes:
        # The bytes of envelope.value_aad(table, column, pk, str(owner)), assembled from a per-field
        # prefix and a per-row part: this runs for every value read or written.
        table = instance._meta.db_table
        prefix = self._aad_prefixes.get(table)
        if prefix is None:
            prefix = self._aad_prefixes[table] = f"rapport:v{envelope.FORMAT_VERSION}|{table}|{self.column}".encode()
        return prefix + row_part

    def seal(self, instance: Any, value: Any) -> bytes:
        owner, row_part = instance.crypto_context()
        return keyring.seal(self.to_bytes(value), owner, self._aad(instance, row_part))

    def reveal(self, instance: Any, sealed: Sealed) -> Any:
        owner, row_part = instance.crypto_context()
        aad = self._aad(instance, row_part)
        if sealed.aad == aad:
            return sealed.plain
        try:
            data = keyring.open_sealed(sealed.blob, owner, aad)
            sealed.plain = self.from_bytes(data)
            if self.mutable_values:
                sealed.raw = data
        except KeyShreddedError:
            sealed.plain = SHREDDED_TEXT if isinstance(self, EncryptedTextField) else None
        except CryptoError:  # altered or moved value (DecryptionError), or a wrong KEK (KeyringError)
            send_decryption_failed(table=instance._meta.db_table, column=self.column, row_id=instance.pk)
            raise
        sealed.aad = aad
        return sealed.plain

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        owner, row_part = model_instance.crypto_context()
        aad = self._aad(model_instance, row_part)
        if isinstance(value, Sealed):
            if value.aad is None or (value.aad == aad and not self._changed_in_place(value)):
                return value  # unchanged since it was loaded for this row: keep the ciphertext
            value = value.plain
        data = self.to_bytes(value)
        sealed = Sealed(keyring.seal(data, owner, aad))
        sealed.plain, sealed.aad = value, aad
        if self.mutable_values:
            sealed.raw = data
        model_instance.__dict__[self.attname] = sealed
        return sealed

    def _changed_in_place(self, sealed: Sealed) -> bool:
        # A list or dict read from the field may have been edited in place (`record.moods.append(...)`).
        return self.mutable_values and sealed.raw is not None and self.to_bytes(sealed.plain) != sealed.raw

    # --- database conversion --------------------------------------------------------------------
    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        if isinstance(value, bytes | memoryview):
            return bytes(value)
        raise EncryptionContextError(
            f"{self.model.__name__}.{self.name} is encrypted: write it with model.save() or bulk_create(), "
            "not queryset.update() or a lookup."
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        if value is None:
            return None
        return Sealed(bytes(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, name: str) -> Any:
        return None

    # --- serialisation: dumps stay encrypted --------------------------------------------------
    def value_to_string(self, obj: Any) -> str | None:
        value = obj.__dict__.get(self.attname)
        if value is None:
            return None
        blob = value.blob if isinstance(value, Sealed) else self.seal(obj, value)
        return ENCODED_PREFIX + base64.b64encode(blob).decode()

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(ENCODED_PREFIX):
            return Sealed(base64.b64decode(value[len(ENCODED_PREFIX) :]))
        return value

    def clean(self, value: Any, model_instance: Any) -> Any:
        if isinstance(value, Sealed):
            return value
        return super().clean(value, model_instance)


class EncryptedTextField(EncryptedField):
    """Clinical or identifying text. max_length, when given, is a limit in characters."""

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.CharField, "max_length": self.max_length}
        if self.max_length is None or self.max_length > 500:
            defaults["widget"] = forms.Textarea
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedCharField(EncryptedTextField):
    """Short encrypted text (a name, a phone number): a one-line input in forms."""

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedDateField(EncryptedField):
    """A date (such as a date of birth), stored as encrypted ISO text."""

    def to_bytes(self, value: Any) -> bytes:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return value.isoformat().encode()

    def from_bytes(self, data: bytes) -> datetime.date:
        return datetime.date.fromisoformat(data.decode())

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.DateField, "widget": forms.DateInput(attrs={"type": "date"})}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedBinaryField(EncryptedField):
    """Encrypted bytes, such as a generated PDF or ZIP that holds clinical content. Not editable in forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def to_bytes(self, value: Any) -> bytes:
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        return data


class EncryptedJSONField(EncryptedField):
    """Structured clinical data (lists, dicts). No pickle: JSON only."""

    mutable_values = True

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.JSONField}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


def reseal(instance: Any, field_names: list[str] | None = None) -> list[str]:
    """Seal the named encrypted fields again under the owner's active key (for rotate_dek).

    Returns the names of the fields it resealed. Write them with
    `keys.dek_rotation.write_sealed`, not `bulk_update()`: bulk_update reads the attribute, which
    is plaintext, and encrypted fields refuse plaintext outside save().
    """
    done = []
    for field in instance._meta.concrete_fields:
        if not isinstance(field, EncryptedField) or (field_names and field.name not in field_names):
            continue
        value = getattr(instance, field.attname)
        if value is None:
            continue
        owner, row_part = instance.crypto_context()
        aad = field._aad(instance, row_part)
        data = field.to_bytes(value)
        sealed = Sealed(keyring.seal(data, owner, aad))
        sealed.plain, sealed.aad = value, aad
        if field.mutable_values:
            sealed.raw = data
        instance.__dict__[field.attname] = sealed
        done.append(field.attname)
    return done


def encrypted_fields(model: Any) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
