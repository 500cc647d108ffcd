"""Admin accounts in the panel and the API (SPEC §4), for owners only: list, create (with a
password typed twice or generated and shown once), change the role and the Telegram id,
disable and re-enable, set another admin's password. The rules, shared with `shipbot admin`,
are in shipbot/services/admin_accounts.py; these handlers read the request and show the
outcome."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from shipbot.services import admin_accounts
from shipbot.services.admin_accounts import (
    KEEP,
    AccountConflict,
    AccountView,
    AdminAccountError,
    NoSuchAccount,
    Role,
)
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.web.admin.actors import api_actor, panel_actor
from shipbot.web.admin.api import ERRORS, OWNER_ONLY, AdminApiError, ErrorBody, require_api_role
from shipbot.web.admin.auth import (
    PanelRefusal,
    database_of,
    form_fields,
    require_csrf,
    require_role,
)
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()
PATH = "/accounts"

# What a page says after an action, by the `done` parameter of the redirect back to it.
DONE = {
    "created": "The account was created with the password you typed.",
    "changed": "The account was changed.",
    "unchanged": "Nothing changed: the account already was so.",
    "disabled": "The account was disabled: it can no longer log in, and its sessions ended.",
    "enabled": "The account was enabled again: it can log in with its password.",
    "password": "The password was set, and the account's sessions ended.",
}
# A form's fields kept when it is shown again with an error; passwords never are.
KEPT_FIELDS = ("username", "role", "telegram_id", "reason")


def _account_url(username: str, done: str | None = None) -> str:
    url = f"/admin{PATH}/{quote(username)}"
    return url + (f"?{urlencode({'done': done})}" if done else "")


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise AdminAccountError("role must be owner or support") from None


def _typed_password(form: dict[str, str]) -> str | None:
    """The password typed twice, or None when both fields are blank: the server makes one."""
    password, again = form.get("password", ""), form.get("password_again", "")
    if not password and not again:
        return None
    if password != again:
        raise AdminAccountError("the two passwords differ")
    admin_accounts.check_password(password)
    return password


def _kept(form: dict[str, str]) -> dict[str, str]:
    return {name: form[name] for name in KEPT_FIELDS if name in form}


def _not_found(error: AdminAccountError) -> PanelRefusal:
    return PanelRefusal(404, f"Not found: {error}.")


async def _list_page(
    request: Request,
    identity: AdminIdentity,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    created: AccountView | None = None,
    new_password: str | None = None,
) -> Response:
    return render(
        request,
        "accounts.html",
        status_code,
        identity=identity,
        owner=True,
        accounts=await admin_accounts.list_accounts(database_of(request)),
        roles=list(Role),
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        form=form or {},
        created=created,
        new_password=new_password,
    )


async def _account_page(
    request: Request,
    identity: AdminIdentity,
    username: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    new_password: str | None = None,
) -> Response:
    try:
        account = await admin_accounts.get_account(database_of(request), username)
    except AdminAccountError as missing:  # also a name no account could have
        raise _not_found(missing) from None
    return render(
        request,
        "accounts_edit.html",
        status_code,
        identity=identity,
        owner=True,
        account=account,
        roles=list(Role),
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        form=form or {},
        new_password=new_password,
    )


@pages.get(PATH)
async def accounts_page(
    request: Request, identity: AdminIdentity = Depends(require_role(Role.OWNER))
) -> Response:
    return await _list_page(request, identity)


@pages.post(PATH)
async def create_account(
    request: Request,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """A generated password is answered with the page itself, not a redirect: it is in this
    response only."""
    try:
        role = _role(form.get("role", ""))
        telegram_id = admin_accounts.parse_telegram_id(form.get("telegram_id", ""))
        typed = _typed_password(form)
        password = typed or admin_accounts.new_password()
        account = await admin_accounts.create_account(
            database_of(request),
            form.get("username", ""),
            password,
            role,
            panel_actor(request, identity),
            telegram_id=telegram_id,
        )
    except AdminAccountError as error:
        return await _list_page(
            request, identity, status_code=400, error=f"Not created: {error}.", form=_kept(form)
        )
    if typed is not None:
        return RedirectResponse(_account_url(account.username, "created"), status_code=303)
    return await _list_page(request, identity, created=account, new_password=password)


@pages.get(PATH + "/{username}")
async def account_page(
    request: Request, username: str, identity: AdminIdentity = Depends(require_role(Role.OWNER))
) -> Response:
    return await _account_page(request, identity, username)


@pages.post(PATH + "/{username}")
async def change_account(
    request: Request,
    username: str,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """The role and the Telegram id, with an optional reason for the audit log."""
    try:
        change = await admin_accounts.change_account(
            database_of(request),
            username,
            panel_actor(request, identity),
            role=_role(form.get("role", "")),
            telegram_id=admin_accounts.parse_telegram_id(form.get("telegram_id", "")),
            reason=form.get("reason", ""),
        )
    except NoSuchAccount as error:
        raise _not_found(error) from None
    except AdminAccountError as error:
        return await _account_page(
            request,
            identity,
            username,
            status_code=400,
            error=f"Not changed: {error}.",
            form=_kept(form),
        )
    done = "changed" if change.changed else "unchanged"
    return RedirectResponse(_account_url(change.account.username, done), status_code=303)


async def _set_enabled(
    request: Request, identity: AdminIdentity, username: str, enabled: bool
) -> Response:
    """Back to the list, where both buttons are."""
    try:
        change = await admin_accounts.change_account(
            database_of(request), username, panel_actor(request, identity), enabled=enabled
        )
    except AdminAccountError as error:
        verb = "enabled" if enabled else "disabled"
        return await _list_page(request, identity, status_code=400, error=f"Not {verb}: {error}.")
    if not change.changed:
        return RedirectResponse(f"/admin{PATH}?done=unchanged", status_code=303)
    done = "enabled" if enabled else "disabled"
    return RedirectResponse(f"/admin{PATH}?done={done}", status_code=303)


@pages.post(PATH + "/{username}/disable")
async def disable_account(
    request: Request,
    username: str,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
) -> Response:
    return await _set_enabled(request, identity, username, False)


@pages.post(PATH + "/{username}/enable")
async def enable_account(
    request: Request,
    username: str,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
) -> Response:
    return await _set_enabled(request, identity, username, True)


@pages.post(PATH + "/{username}/password")
async def set_password(
    request: Request,
    username: str,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """Typed twice, or generated and shown in this response only; the account's sessions end."""
    try:
        typed = _typed_password(form)
        password = typed or admin_accounts.new_password()
        change = await admin_accounts.change_account(
            database_of(request), username, panel_actor(request, identity), password=password
        )
    except NoSuchAccount as error:
        raise _not_found(error) from None
    except AdminAccountError as error:
        return await _account_page(
            request, identity, username, status_code=400, error=f"Password not set: {error}."
        )
    if typed is not None:
        return RedirectResponse(_account_url(change.account.username, "password"), 303)
    return await _account_page(request, identity, username, new_password=password)


# --- the API ---------------------------------------------------------------------------------


class AccountOut(BaseModel):
    username: str
    role: Role
    telegram_id: int | None
    enabled: bool
    disabled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, account: AccountView) -> AccountOut:
        return cls(
            username=account.username,
            role=account.role,
            telegram_id=account.telegram_id,
            enabled=account.disabled_at is None,
            disabled_at=account.disabled_at,
            created_at=account.created_at,
        )


class AccountPageOut(BaseModel):
    items: list[AccountOut]
    # Pass as `cursor` for the next page; null on the last page.
    next_cursor: str | None


class AccountIn(BaseModel):
    username: str
    role: Role = Role.SUPPORT
    telegram_id: int | None = None
    password: str | None = Field(
        None, description="omit it to have one generated, returned in this response only"
    )


class CreatedOut(BaseModel):
    account: AccountOut
    # The generated password, in this response only; null when you sent one.
    password: str | None


class AccountChangeIn(BaseModel):
    role: Role | None = None
    telegram_id: int | None = Field(None, description="null clears it; omit it to keep it")
    enabled: bool | None = None
    password: str | None = Field(None, description="a new password; ends the account's sessions")
    reason: str = ""


OWNER_ERRORS = {**ERRORS, **OWNER_ONLY}
NOT_FOUND = {404: {"model": ErrorBody, "description": "no admin has this username"}}
REFUSED = {
    400: {"model": ErrorBody, "description": "a rule refused it (last owner, own account, ...)"},
    409: {"model": ErrorBody, "description": "the username or Telegram id is taken"},
}
OWNERS_ONLY = [Depends(require_api_role(Role.OWNER))]


def _api_refusal(error: AdminAccountError) -> AdminApiError:
    if isinstance(error, NoSuchAccount):
        return AdminApiError(404, "not_found", str(error))
    if isinstance(error, AccountConflict):
        return AdminApiError(409, "conflict", str(error))
    return AdminApiError(400, "invalid", str(error))


@api.get(PATH, response_model=AccountPageOut, responses=OWNER_ERRORS, dependencies=OWNERS_ONLY)
async def api_accounts(
    request: Request,
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> AccountPageOut:
    """Admin accounts by username."""
    found = await admin_accounts.list_accounts(database_of(request), after=cursor, limit=limit + 1)
    items = found[:limit]
    return AccountPageOut(
        items=[AccountOut.of(account) for account in items],
        next_cursor=items[-1].username if len(found) > limit else None,
    )


@api.post(
    PATH,
    status_code=201,
    response_model=CreatedOut,
    responses={**OWNER_ERRORS, **REFUSED},
    dependencies=OWNERS_ONLY,
)
async def api_create_account(request: Request, body: AccountIn) -> CreatedOut:
    password = body.password if body.password is not None else admin_accounts.new_password()
    try:
        account = await admin_accounts.create_account(
            database_of(request),
            body.username,
            password,
            body.role,
            api_actor(request),
            telegram_id=body.telegram_id,
        )
    except AdminAccountError as error:
        raise _api_refusal(error) from None
    return CreatedOut(
        account=AccountOut.of(account), password=None if body.password is not None else password
    )


@api.patch(
    PATH + "/{username}",
    response_model=AccountOut,
    responses={**OWNER_ERRORS, **NOT_FOUND, **REFUSED},
    dependencies=OWNERS_ONLY,
)
async def api_change_account(request: Request, username: str, body: AccountChangeIn) -> AccountOut:
    """Change only the fields sent; one audit row per kind of change."""
    try:
        change = await admin_accounts.change_account(
            database_of(request),
            username,
            api_actor(request),
            role=body.role,
            telegram_id=body.telegram_id if "telegram_id" in body.model_fields_set else KEEP,
            enabled=body.enabled,
            password=body.password,
            reason=body.reason,
        )
    except AdminAccountError as error:
        raise _api_refusal(error) from None
    return AccountOut.of(change.account)
