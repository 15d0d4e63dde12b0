"""Passkeys (/api/v1/auth/passkeys): registering one, the account's list, and signing in with one, without a
password. The bodies are WebAuthn's JSON forms (RegistrationResponseJSON, AuthenticationResponseJSON), as
a browser's `credential.toJSON()` or @simplewebauthn/browser gives them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from application.passkeys.list_passkeys import ListPasskeys
from application.passkeys.register_passkey import PasskeyRegistration, RegisterPasskey
from application.passkeys.remove_passkey import RemovePasskey
from application.passkeys.rename_passkey import RenamePasskey
from application.passkeys.sign_in_with_passkey import PasskeySignIn, SignInWithPasskey
from application.passkeys.start_passkey_sign_in import StartPasskeySignIn
from application.passkeys.start_registration import StartPasskeyRegistration
from application.shared.authenticate import Caller
from domain.passkeys import PasskeyView
from entrypoints.container import Container
from entrypoints.http.answers import (
    DISABLED,
    FRESH,
    FRESH_ENROLLING,
    INVALID,
    INVALID_PASSKEY,
    JSON_BODY,
    LIMITED,
    NOT_FOUND,
    NOT_VERIFIED,
    PASSKEY_EXISTS,
    SIGNED_IN,
    UNAVAILABLE,
    answers,
)
from entrypoints.http.cache_control import no_store
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import current_caller, fresh_caller, fresh_enrolling_caller
from entrypoints.http.shared import (
    AUTH,
    FromView,
    LabelField,
    SecondFactorOut,
    SessionOut,
    Strict,
    example,
    fields_of,
    signed_in,
)

router = APIRouter(prefix=f"{AUTH}/passkeys", tags=["passkeys"])


def _not_blank(value: str | None) -> str | None:
    if value is None:
        return None
    if not (name := value.strip()):
        raise ValueError(N_("must not be blank"))
    return name


PasskeyName = Annotated[LabelField, AfterValidator(_not_blank)]


class _WebauthnJson(Strict):
    # Browsers add members of their own (publicKey, authenticatorData in a registration's toJSON()): they
    # are passed on, not refused. The names are WebAuthn's.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class AttestationResponseIn(_WebauthnJson):
    client_data_json: str = Field(alias="clientDataJSON")
    attestation_object: str = Field(alias="attestationObject")
    transports: list[str] = Field(default=[], max_length=16)


class AssertionResponseIn(_WebauthnJson):
    client_data_json: str = Field(alias="clientDataJSON")
    authenticator_data: str = Field(alias="authenticatorData")
    signature: str
    user_handle: str | None = Field(default=None, alias="userHandle")


class _CredentialIn(_WebauthnJson):
    id: str
    raw_id: str = Field(alias="rawId")
    type: Literal["public-key"]
    authenticator_attachment: str | None = Field(default=None, alias="authenticatorAttachment")
    client_extension_results: dict[str, JsonValue] = Field(default={}, alias="clientExtensionResults")

    def as_json(self) -> dict[str, Any]:
        """The credential as WebAuthn names its members, for py_webauthn."""
        return self.model_dump(by_alias=True, exclude_none=True)


class RegistrationCredentialIn(_CredentialIn):
    response: AttestationResponseIn


class AuthenticationCredentialIn(_CredentialIn):
    response: AssertionResponseIn


_CLIENT_DATA = "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiLi4uIn0"


class RegistrationIn(Strict):
    model_config = example(
        credential={
            "id": "hS3k0a9Zm1Qp2v7yTn4xWg",
            "rawId": "hS3k0a9Zm1Qp2v7yTn4xWg",
            "type": "public-key",
            "response": {
                "clientDataJSON": _CLIENT_DATA,
                "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjF...",
                "transports": ["internal", "hybrid"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        },
        name="Work laptop",
    )

    credential: RegistrationCredentialIn
    name: PasskeyName | None = None


class AuthenticationIn(Strict):
    model_config = example(
        credential={
            "id": "hS3k0a9Zm1Qp2v7yTn4xWg",
            "rawId": "hS3k0a9Zm1Qp2v7yTn4xWg",
            "type": "public-key",
            "response": {
                "clientDataJSON": _CLIENT_DATA,
                "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MdAAAAAA",
                "signature": "MEUCIQC...",
                "userHandle": "X40r-yZpTeGIAKhSe0Iifg",
            },
            "clientExtensionResults": {},
        }
    )

    credential: AuthenticationCredentialIn


class RenameIn(Strict):
    model_config = example(name="Phone")

    name: PasskeyName


class PasskeyOut(FromView):
    __annotations__ = fields_of(PasskeyView)


class PasskeyListOut(BaseModel):
    items: list[PasskeyOut]


# What a browser passes to navigator.credentials.create() / .get(), after decoding its base64url members
# (PublicKeyCredential.parseCreationOptionsFromJSON does): WebAuthn's *OptionsJSON.
Options = dict[str, JsonValue]


@router.post(
    "/registration/options",
    response_model=Options,
    dependencies=[Depends(no_store)],
    responses=answers(FRESH_ENROLLING, NOT_VERIFIED, UNAVAILABLE),
)
@inject
async def registration_options(
    # Open to an account whose role needs a factor it has not set up yet (MFA_REQUIRED_ROLES).
    caller: Caller = Depends(fresh_enrolling_caller),
    use_case: StartPasskeyRegistration = Depends(ProvideInLoop[Container.start_passkey_registration]),
) -> dict[str, Any]:
    """The creation options for a new passkey of the account (PublicKeyCredentialCreationOptionsJSON; a
    body, if any, is not read): a challenge good for one registration within 5 minutes, the account's
    passkeys in excludeCredentials. Needs a fresh sign-in (REAUTH_MAX_AGE_SECONDS) and a verified address
    (403 account_not_verified)."""
    return await use_case.execute(caller.user.id)


@router.post(
    "/registration",
    status_code=status.HTTP_201_CREATED,
    response_model=PasskeyOut,
    responses=answers(JSON_BODY, FRESH_ENROLLING, NOT_VERIFIED, INVALID_PASSKEY, PASSKEY_EXISTS, UNAVAILABLE),
)
@inject
async def register(
    body: RegistrationIn,
    request: Request,
    caller: Caller = Depends(fresh_enrolling_caller),
    use_case: RegisterPasskey = Depends(ProvideInLoop[Container.register_passkey]),
) -> PasskeyOut:
    """Registers the authenticator's answer to the options (RegistrationResponseJSON). Without a name, the
    passkey is named after its authenticator where it is a known one (iCloud Keychain, Google Password
    Manager, 1Password...), else "Passkey". The owner is emailed. Needs a fresh sign-in. The account's
    first factor ends its other sessions."""
    registration = PasskeyRegistration(
        caller.user.id, body.credential.as_json(), body.name, session_origin(request), caller.session_id
    )
    return PasskeyOut.of(await use_case.execute(registration))


@router.get("", response_model=PasskeyListOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def list_passkeys(
    caller: Caller = Depends(current_caller),
    use_case: ListPasskeys = Depends(ProvideInLoop[Container.list_passkeys]),
) -> PasskeyListOut:
    """The account's passkeys, oldest first; `backed_up` says a passkey is synced (a password manager,
    iCloud Keychain) rather than bound to one device."""
    return PasskeyListOut(items=[PasskeyOut.of(p) for p in await use_case.execute(caller.user.id)])


@router.patch(
    "/{passkey_id}",
    response_model=PasskeyOut,
    responses=answers(JSON_BODY, FRESH, NOT_FOUND, UNAVAILABLE),
)
@inject
async def rename(
    passkey_id: uuid.UUID,
    body: RenameIn,
    caller: Caller = Depends(fresh_caller),
    use_case: RenamePasskey = Depends(ProvideInLoop[Container.rename_passkey]),
) -> PasskeyOut:
    """Renames one of the account's passkeys (1 to 100 characters); another account's id is 404."""
    return PasskeyOut.of(await use_case.execute(caller.user.id, passkey_id, body.name))


@router.delete(
    "/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(INVALID, FRESH, NOT_FOUND, UNAVAILABLE),
)
@inject
async def remove(
    passkey_id: uuid.UUID,
    request: Request,
    caller: Caller = Depends(fresh_caller),
    use_case: RemovePasskey = Depends(ProvideInLoop[Container.remove_passkey]),
) -> Response:
    """Removes one of the account's passkeys: it signs in no more. The owner is emailed; another account's
    id is 404. Needs a fresh sign-in."""
    await use_case.execute(caller.user.id, passkey_id, session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/authentication/options",
    response_model=Options,
    dependencies=[Depends(no_store)],
    responses=answers(LIMITED, UNAVAILABLE),
)
@inject
async def authentication_options(
    request: Request,
    use_case: StartPasskeySignIn = Depends(ProvideInLoop[Container.start_passkey_sign_in]),
) -> dict[str, Any]:
    """Request options for signing in with a passkey (PublicKeyCredentialRequestOptionsJSON), with no
    allowCredentials (a body, if any, is not read): the authenticator offers the passkeys it holds for this
    site, so no address is asked. The challenge serves one answer within 5 minutes, to
    /passkeys/authentication, /login/second-factor or /reauthenticate. Limited per client (429)."""
    return await use_case.execute(client_key(request))


@router.post(
    "/authentication",
    response_model=SessionOut | SecondFactorOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, INVALID_PASSKEY, DISABLED, LIMITED, UNAVAILABLE),
)
@inject
async def authenticate(
    body: AuthenticationIn,
    request: Request,
    use_case: SignInWithPasskey = Depends(ProvideInLoop[Container.sign_in_with_passkey]),
) -> SessionOut | SecondFactorOut:
    """Signs in with a passkey's answer to the options (AuthenticationResponseJSON): the body /login gives.
    With user verification (a PIN, a fingerprint) the passkey counts as two factors (`amr` hwk and mfa).
    Every failure (an unknown passkey, a bad signature, another origin, a spent or expired challenge) is
    the same 400 invalid_passkey."""
    sign_in = PasskeySignIn(body.credential.as_json(), client_key(request), session_origin(request))
    return signed_in(await use_case.execute(sign_in))
