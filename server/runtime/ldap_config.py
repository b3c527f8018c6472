"""Directory (LDAP) sign-in settings: LDAP_* variables (docs/api.md, "Directory sign-in")."""

from __future__ import annotations

from dataclasses import dataclass

from server.runtime.env import ConfigError, env_bool, env_int, env_str


@dataclass(frozen=True)
class LdapSettings:
    """LDAP_URL unset → no directory sign-in (docs/api.md, "Directory sign-in")."""

    url: str | None = None
    organization_id: str | None = None
    user_dn_template: str = "uid={login},ou=people,dc=example,dc=org"
    group_base: str | None = None
    group_roles: tuple[tuple[str, str], ...] = ()
    email_attribute: str = "mail"
    name_attribute: str = "cn"
    start_tls: bool = False
    ca_file: str | None = None
    timeout_seconds: int = 5

    @property
    def enabled(self) -> bool:
        return self.url is not None and self.organization_id is not None


def _group_roles(value: str | None) -> tuple[tuple[str, str], ...]:
    """LDAP_GROUP_ROLES="cn=admins,ou=groups,dc=x=ADMIN;cn=leads,...=MANAGER"."""
    pairs = []
    for item in (value or "").split(";"):
        if not item.strip():
            continue
        group, sep, role = item.strip().rpartition("=")
        role = role.strip().upper()
        # OWNER is granted only by an OWNER, never by the directory.
        if not sep or not group or role not in ("ADMIN", "MANAGER", "MEMBER"):
            raise ConfigError(
                f"LDAP_GROUP_ROLES item {item!r} must be <group DN>=<ADMIN|MANAGER|MEMBER>"
            )
        pairs.append((group.strip().lower(), role))
    return tuple(pairs)


def load_ldap() -> LdapSettings:
    url = env_str("LDAP_URL")
    org = env_str("LDAP_ORGANIZATION_ID")
    if url and not url.lower().startswith(("ldap://", "ldaps://")):
        raise ConfigError(f"LDAP_URL={url!r} must start with ldap:// or ldaps://")
    if url and not org:
        raise ConfigError("LDAP_URL is set but LDAP_ORGANIZATION_ID is not")
    template = env_str("LDAP_USER_DN", "uid={login},ou=people,dc=example,dc=org") or ""
    if url and "{login}" not in template:
        raise ConfigError("LDAP_USER_DN must contain {login}")
    return LdapSettings(
        url=url,
        organization_id=org,
        user_dn_template=template,
        group_base=env_str("LDAP_GROUP_BASE"),
        group_roles=_group_roles(env_str("LDAP_GROUP_ROLES")),
        email_attribute=env_str("LDAP_EMAIL_ATTRIBUTE", "mail") or "mail",
        name_attribute=env_str("LDAP_NAME_ATTRIBUTE", "cn") or "cn",
        start_tls=env_bool("LDAP_START_TLS", False),
        ca_file=env_str("LDAP_CA_FILE"),
        timeout_seconds=env_int("LDAP_TIMEOUT", 5, 1),
    )
