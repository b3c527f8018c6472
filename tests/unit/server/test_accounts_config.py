"""Mail, lockout and LDAP settings, and the password policy (no database needed)."""

from __future__ import annotations

import os

import pytest

from server.auth.directory import group_filter, role_of, user_dn
from server.runtime.config import ConfigError, LdapSettings, Rate, load_settings
from server.security.passwords import WeakPasswordError, check_password_policy


@pytest.fixture
def env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith(("HUBNITY_", "SMTP_", "LDAP_", "LOGIN_", "PASSWORD_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HUBNITY_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_defaults(env, tmp_path):
    s = load_settings()
    assert s.mail.smtp_url is None and s.mail.outbox_dir == tmp_path / "mail"
    assert not s.ldap.enabled
    assert (s.security.lockout_threshold, s.security.lockout_base_seconds) == (5, 30)
    assert s.security.lockout_max_seconds == 900
    assert s.security.reset_email_rate == Rate(3, 3600)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SMTP_URL", "http://mail:25", "SMTP_URL must be"),
        ("SMTP_URL", "mail.example.com", "SMTP_URL must be"),
        ("SMTP_TIMEOUT", "0", "at least 1"),
        ("LDAP_URL", "http://dir", "must start with ldap://"),
        ("LOGIN_LOCKOUT_THRESHOLD", "0", "at least 1"),
        ("PASSWORD_RESET_RATE_LIMIT", "lots", "not a rate"),
    ],
)
def test_bad_values_are_named(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_ldap_needs_an_organization_a_login_placeholder_and_sane_group_roles(env):
    env.setenv("LDAP_URL", "ldaps://dir.example.com")
    with pytest.raises(ConfigError, match="LDAP_ORGANIZATION_ID"):
        load_settings()
    env.setenv("LDAP_ORGANIZATION_ID", "00000000-0000-4000-8000-000000000001")
    env.setenv("LDAP_USER_DN", "uid=fixed,dc=x")
    with pytest.raises(ConfigError, match=r"\{login\}"):
        load_settings()
    env.setenv("LDAP_USER_DN", "uid={login},ou=people,dc=x")
    env.setenv("LDAP_GROUP_ROLES", "cn=bosses,dc=x=OWNER")
    with pytest.raises(ConfigError, match="ADMIN\\|MANAGER\\|MEMBER"):
        load_settings()
    env.setenv("LDAP_GROUP_ROLES", "cn=Admins,dc=x=admin; cn=leads,dc=x=MANAGER")
    s = load_settings()
    assert s.ldap.enabled
    assert s.ldap.group_roles == (("cn=admins,dc=x", "ADMIN"), ("cn=leads,dc=x", "MANAGER"))


def test_logins_are_escaped_for_dns_and_filters():
    s = LdapSettings(url="ldap://x", organization_id="o", user_dn_template="uid={login},dc=x")
    assert user_dn(s, "ada") == "uid=ada,dc=x"
    assert user_dn(s, "a,b=c+d") == "uid=a\\,b\\=c\\+d,dc=x"
    assert user_dn(s, "#ada") == "uid=\\#ada,dc=x"
    f = group_filter("uid=a*,dc=x", "a*)(uid=*")
    assert "*" not in f.replace("\\2a", "") and ")(uid" not in f
    assert (
        f
        == "(|(member=uid=a\\2a,dc=x)(uniqueMember=uid=a\\2a,dc=x)(memberUid=a\\2a\\29\\28uid=\\2a))"
    )


def test_the_highest_mapped_role_wins():
    s = LdapSettings(group_roles=(("cn=a,dc=x", "ADMIN"), ("cn=m,dc=x", "MANAGER")))
    assert role_of(s, ()) == "MEMBER"
    assert role_of(s, ("CN=m,dc=x",)) == "MANAGER"
    assert role_of(s, ("cn=m,dc=x", "cn=a,dc=x", "cn=other")) == "ADMIN"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 8"),
        ("x" * 257, "at most 256"),
        ("abababab", "4 different"),
        ("password", "common"),
        ("Password123!", "common"),
        ("!!Qwertyuiop2024", "common"),
        ("iloveyou", "common"),
        ("12345678", "common"),
        ("ada.lovelace-rocks", "name or email"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(WeakPasswordError, match=reason):
        check_password_policy(password, personal=("ada.lovelace@example.com", "Ada Lovelace"))


@pytest.mark.parametrize(
    "password", ["correct horse battery", "river stone lantern 42", "Tr0ub4dor&3x"]
)
def test_good_passwords_pass(password):
    check_password_policy(password, personal=("ada@example.com", "Ada"))
