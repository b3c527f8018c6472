"""LDAP sign-in (ldap3): bind as the person, read their entry and groups.

The directory checks the password (a simple bind as the person's own DN); it
is never stored here. The login name is escaped before it goes into the DN
(RFC 4514) and into the group filter (RFC 4515), so `*`, `)(`, `,` or `=` in
a login cannot widen a search or name another entry. ldaps:// and StartTLS
verify the server certificate (LDAP_CA_FILE for a private CA).
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass

from server.runtime.config import LdapSettings

_ROLE_RANK = {"MEMBER": 0, "MANAGER": 1, "ADMIN": 2}


class DirectoryDown(Exception):
    """The directory did not answer (or TLS to it failed)."""


@dataclass(frozen=True)
class DirectoryUser:
    dn: str
    login: str
    email: str | None
    name: str | None
    groups: tuple[str, ...]
    role: str


def user_dn(settings: LdapSettings, login: str) -> str:
    from ldap3.utils.dn import escape_rdn

    value = escape_rdn(login)
    if value.startswith("#"):
        value = "\\" + value  # escape_rdn leaves a leading '#'
    return settings.user_dn_template.format(login=value)


def group_filter(dn: str, login: str) -> str:
    from ldap3.utils.conv import escape_filter_chars

    d, u = escape_filter_chars(dn), escape_filter_chars(login)
    return f"(|(member={d})(uniqueMember={d})(memberUid={u}))"


def role_of(settings: LdapSettings, groups: tuple[str, ...]) -> str:
    """The highest role any of the person's groups maps to; MEMBER otherwise."""
    mapped = dict(settings.group_roles)
    roles = [mapped[g.lower()] for g in groups if g.lower() in mapped]
    return max(roles, key=lambda r: _ROLE_RANK[r], default="MEMBER")


def _first(entry: object, attribute: str) -> str | None:
    values = getattr(entry, "entry_attributes_as_dict", {}).get(attribute) or []
    return str(values[0]) if values else None


def authenticate(settings: LdapSettings, login: str, password: str) -> DirectoryUser | None:
    """The person when the directory accepts `login`/`password`; None when it
    refuses them. Raises DirectoryDown when it cannot be asked. Blocking: call
    it in a thread."""
    import ldap3
    from ldap3.core import exceptions as lx

    login = login.strip()
    # An empty password is an "unauthenticated bind" that many servers accept.
    if not login or not password or len(login) > 256 or any(ord(c) < 32 for c in login):
        return None
    assert settings.url is not None
    tls = ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=settings.ca_file,
        version=ssl.PROTOCOL_TLS_CLIENT,
    )
    server = ldap3.Server(
        settings.url,
        use_ssl=settings.url.lower().startswith("ldaps://"),
        tls=tls,
        get_info=ldap3.NONE,
        connect_timeout=settings.timeout_seconds,
    )
    dn = user_dn(settings, login)
    conn = ldap3.Connection(
        server,
        user=dn,
        password=password,
        receive_timeout=settings.timeout_seconds,
        raise_exceptions=False,
    )
    try:
        conn.open()
        if settings.start_tls and not conn.start_tls():
            raise DirectoryDown(f"StartTLS with the directory failed: {conn.result}")
        if not conn.bind():
            return None
        conn.search(
            dn,
            "(objectClass=*)",
            search_scope=ldap3.BASE,
            attributes=[settings.email_attribute, settings.name_attribute],
        )
        entry = conn.entries[0] if conn.entries else None
        groups: tuple[str, ...] = ()
        if settings.group_base:
            conn.search(
                settings.group_base,
                group_filter(dn, login),
                search_scope=ldap3.SUBTREE,
                attributes=[],
            )
            groups = tuple(e.entry_dn for e in conn.entries)
        return DirectoryUser(
            dn=dn,
            login=login,
            email=_first(entry, settings.email_attribute) if entry else None,
            name=_first(entry, settings.name_attribute) if entry else None,
            groups=groups,
            role=role_of(settings, groups),
        )
    except (
        lx.LDAPSocketOpenError,
        lx.LDAPSocketReceiveError,
        lx.LDAPSessionTerminatedByServerError,
        lx.LDAPStartTLSError,
        lx.LDAPCommunicationError,
        ssl.SSLError,
    ) as exc:
        raise DirectoryDown(str(exc) or exc.__class__.__name__) from exc
    finally:
        with contextlib.suppress(Exception):  # closing a connection that never opened
            conn.unbind()
