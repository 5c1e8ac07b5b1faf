"""Account use cases: create users, log in, issue and check API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from shopops.accounts.models import ApiToken, User
from shopops.accounts.passwords import hash_password, new_token, token_digest, verify_password
from shopops.core.errors import AuthError, NotFound, UserExists, ValidationError
from shopops.core.uow import UnitOfWork


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str


def _view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role)


def create_user(
    uow: UnitOfWork, username: str, password: str, *, display_name: str = "", role: str = "admin"
) -> UserView:
    username = username.strip()
    if not username:
        raise ValidationError("username must not be empty", field="username")
    if len(password) < 8:
        raise ValidationError("password must have at least 8 characters", field="password")
    if uow.session.scalar(select(User).where(User.username == username)):
        raise UserExists(f"user {username!r} already exists", field="username")
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name or username,
        role=role,
        created_at=uow.now(),
    )
    uow.session.add(user)
    uow.session.flush()
    uow.record("user.created", entity="user", entity_id=user.id, username=username)
    return _view(user)


def authenticate(uow: UnitOfWork, username: str, password: str) -> UserView:
    user = uow.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise AuthError("用户名或密码错误 — wrong username or password")
    return _view(user)


def get_user(uow: UnitOfWork, user_id: int) -> UserView | None:
    user = uow.session.get(User, user_id)
    return _view(user) if user and user.active else None


def create_token(uow: UnitOfWork, username: str, name: str = "") -> str:
    """Issue an API token; the secret is returned once and only its digest is stored."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", field="user")
    token = new_token()
    uow.session.add(
        ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), created_at=uow.now())
    )
    return token


def user_for_token(uow: UnitOfWork, token: str) -> UserView:
    row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked:
        raise AuthError("invalid or revoked API token")
    user = get_user(uow, row.user_id)
    if user is None:
        raise AuthError("the token's user is disabled")
    return user
