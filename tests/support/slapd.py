"""A private OpenLDAP `slapd` for the tests: its own config and database in a
temp dir, on a free local port (ldap:// with StartTLS, and ldaps://), loaded
with a few people and groups by `ldapadd`; stopped at the end. The system's
slapd (if any) is never touched."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.certs import self_signed
from tests.support.process import free_port
from tests.support.tools import require_tool

SUFFIX = "dc=hubnity,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
# login -> (name, email, password, groups)
USERS = {
    "ada": ("Ada Lovelace", "ada@hubnity.test", "analytical engine 1843", ["admins"]),
    "grace": ("Grace Hopper", "grace@hubnity.test", "cobol compiler 1959", ["leads"]),
    "linus": ("Linus Member", "linus@hubnity.test", "just a member here", []),
    "nomail": ("No Mail", None, "no address at all", []),
}
GROUP_NAMES = ["admins", "leads", "staff"]


@dataclass
class Directory:
    url: str  # ldap://127.0.0.1:port
    ldaps_url: str  # ldaps://localhost:port
    ca_file: Path
    group_roles: str  # LDAP_GROUP_ROLES for these groups

    def env(self, organization_id: str, **overrides: str) -> dict[str, str]:
        return {
            "LDAP_URL": self.url,
            "LDAP_ORGANIZATION_ID": organization_id,
            "LDAP_USER_DN": f"uid={{login}},{PEOPLE}",
            "LDAP_GROUP_BASE": GROUPS,
            "LDAP_GROUP_ROLES": self.group_roles,
            "LDAP_CA_FILE": str(self.ca_file),
            **overrides,
        }


def _ldif() -> str:
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: hubnity\no: Hubnity Test\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    for login, (name, email, password, _) in USERS.items():
        mail = f"mail: {email}\n" if email else ""
        parts.append(
            f"dn: uid={login},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {login}\ncn: {name}\n"
            f"sn: {name.split()[-1]}\n{mail}userPassword: {password}\n"
        )
    for group in GROUP_NAMES:
        members = [f"uid={u},{PEOPLE}" for u, (*_, groups) in USERS.items() if group in groups]
        members = members or [f"uid=linus,{PEOPLE}"]
        lines = "".join(f"member: {m}\n" for m in members)
        parts.append(f"dn: cn={group},{GROUPS}\nobjectClass: groupOfNames\ncn: {group}\n{lines}")
    return "\n".join(parts)


@contextmanager
def slapd() -> Iterator[Directory]:
    # Debian puts slapd in /usr/sbin, which a non-root PATH may lack.
    sbin = Path("/usr/sbin/slapd")
    binary = (
        str(sbin)
        if sbin.exists()
        else require_tool("slapd", "run a private LDAP directory for the sign-in tests")
    )
    ldapadd = require_tool("ldapadd", "load people and groups into the test directory")
    with tempfile.TemporaryDirectory(prefix="hubnity-slapd-") as tmp:
        root = Path(tmp)
        (root / "db").mkdir()
        cert, key = self_signed(root)
        port, tls_port = free_port(), free_port()
        schema = "/etc/ldap/schema"
        (root / "slapd.conf").write_text(
            f"include {schema}/core.schema\ninclude {schema}/cosine.schema\n"
            f"include {schema}/inetorgperson.schema\ninclude {schema}/nis.schema\n"
            f"pidfile {root}/slapd.pid\nargsfile {root}/slapd.args\n"
            "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
            f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n"
            "database mdb\nmaxsize 10485760\n"
            f'suffix "{SUFFIX}"\nrootdn "{ADMIN_DN}"\nrootpw {ADMIN_PASSWORD}\n'
            f"directory {root}/db\n"
            # People may read themselves and the groups; passwords only to bind.
            "access to attrs=userPassword by anonymous auth by * none\n"
            "access to * by users read by anonymous auth\n"
        )
        url = f"ldap://127.0.0.1:{port}"
        log = open(root / "slapd.log", "w")
        proc = subprocess.Popen(
            [
                binary,
                "-d",
                "0",  # stay in the foreground, log nothing but errors
                "-f",
                str(root / "slapd.conf"),
                "-h",
                f"{url}/ ldaps://127.0.0.1:{tls_port}/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                loaded = subprocess.run(
                    [ldapadd, "-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
                    input=_ldif(),
                    capture_output=True,
                    text=True,
                    timeout=20,
                )
                if loaded.returncode == 0:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = (root / "slapd.log").read_text(errors="replace")
                    raise RuntimeError(f"slapd did not start or load: {loaded.stderr}\n{out}")
                time.sleep(0.2)
            yield Directory(
                url=url,
                ldaps_url=f"ldaps://localhost:{tls_port}",
                ca_file=cert,
                group_roles=f"cn=admins,{GROUPS}=ADMIN;cn=leads,{GROUPS}=MANAGER",
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
