"""installers/kubernetes: rendered, validated against the Kubernetes OpenAPI
schemas, wired together, and the pods' own commands run with the pods' own env.

Rendering is done here in Python, resource by resource, applying exactly the
kustomization features this base uses (namespace, labels, images); a test
holds the kustomization to those features, and when kubectl is installed
another compares the result with `kubectl kustomize` (kubectl is not a Debian
package, so CI may not have it). Schemas come from kubernetes-validate (dev
extra, schemas bundled), strict: unknown fields fail.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import kubernetes_validate
import pytest
import yaml

from tests.deploy.conftest import (
    KUBERNETES,
    PRODUCTION_ENV,
    ROOT,
    assert_console_script,
    load_server_settings,
    server_env_names,
)
from tests.support.process import VENV_BIN, free_port, serve

# Oldest Kubernetes minor these manifests promise to work on.
K8S_VERSION = "1.29.0"
KUSTOMIZATION = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
# What render() implements; the kustomization must use nothing else.
RENDERED_FEATURES = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}


def render() -> list[dict]:
    """kustomize's output for this base: namespace, common labels, image names."""
    docs = []
    images = {i["name"]: f"{i['newName']}:{i['newTag']}" for i in KUSTOMIZATION["images"]}
    labels = {k: v for entry in KUSTOMIZATION.get("labels", []) for k, v in entry["pairs"].items()}
    for resource in KUSTOMIZATION["resources"]:
        for doc in yaml.safe_load_all((KUBERNETES / resource).read_text()):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = KUSTOMIZATION["namespace"]
            doc["metadata"]["labels"] = {**doc["metadata"].get("labels", {}), **labels}
            pod = pod_spec(doc)
            for container in (pod or {}).get("containers", []):
                container["image"] = images.get(container["image"], container["image"])
            docs.append(doc)
    return docs


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def pod_of(doc: dict) -> dict:
    pod = pod_spec(doc)
    assert pod is not None, f"{doc['kind']} has no pod template"
    return pod


def pods(docs: list[dict]) -> list[dict]:
    return [p for p in map(pod_spec, docs) if p is not None]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return render()


def one(docs: list[dict], kind: str, name: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def test_kustomization_lists_every_manifest_and_only_existing_ones():
    listed = set(KUSTOMIZATION["resources"])
    on_disk = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_kustomization_uses_only_what_render_implements(docs: list[dict]):
    assert set(KUSTOMIZATION) <= RENDERED_FEATURES, set(KUSTOMIZATION) - RENDERED_FEATURES
    for resource in KUSTOMIZATION["resources"]:
        assert (KUBERNETES / resource).is_file(), f"{resource}: only local files, no bases"
    for entry in KUSTOMIZATION.get("labels", []):
        assert set(entry) <= {"pairs", "includeSelectors"}, entry
        assert entry.get("includeSelectors", False) is False, "selectors are immutable"
    for image in KUSTOMIZATION["images"]:
        assert set(image) == {"name", "newName", "newTag"}, image
    # Every container names an image the kustomization replaces, so none is left as is.
    names = {i["name"] for i in KUSTOMIZATION["images"]}
    for resource in KUSTOMIZATION["resources"]:
        for doc in yaml.safe_load_all((KUBERNETES / resource).read_text()):
            pod = pod_spec(doc) or {}
            assert not pod.get("initContainers"), "render() does not rename initContainers"
            for container in pod.get("containers", []):
                assert container["image"] in names, (resource, container["image"])
    # And the render did apply them.
    for doc in docs:
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "hubnity"
        for container in (pod_spec(doc) or {}).get("containers", []):
            assert container["image"] not in names


def test_render_equals_kubectl_kustomize(docs: list[dict]):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        # Not a Debian package: not required in CI. The test above holds render() to
        # the features it implements.
        pytest.skip("kubectl is not installed: render() not compared with `kubectl kustomize`")
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr

    def key(d: dict) -> tuple[str, str]:
        return d["kind"], d["metadata"]["name"]

    kustomized = {key(d): d for d in yaml.safe_load_all(result.stdout)}
    ours = {key(d): d for d in docs}
    assert set(ours) == set(kustomized)
    for k, doc in ours.items():
        assert doc == kustomized[k], k


def test_every_object_matches_the_kubernetes_schema(docs: list[dict]):
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(["Namespace", "ConfigMap", "Secret", "Service", "Deployment",
                            "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                            "Job", "Ingress"])
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_schema_check_catches_mistakes(docs: list[dict]):
    server = copy.deepcopy(one(docs, "Deployment", "hubnity-server"))
    server["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(server, K8S_VERSION, strict=True)
    hpa = copy.deepcopy(one(docs, "HorizontalPodAutoscaler", "hubnity-server"))
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, K8S_VERSION, strict=True)


def test_everything_lands_in_the_hubnity_namespace(docs: list[dict]):
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "hubnity", doc["metadata"]["name"]


PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def container_port(container: dict, port: int | str) -> int:
    """A port as Kubernetes resolves it against a container: by name or by number."""
    by_name = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    if isinstance(port, str):
        assert port in by_name, f"{container['name']} has no port named {port!r}"
        return by_name[port]
    assert port in by_name.values(), f"{container['name']} does not declare port {port}"
    return port


def test_server_probes_use_ready_and_health_on_the_port_the_server_listens_on(docs):
    pod = one(docs, "Deployment", "hubnity-server")["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    config = one(docs, "ConfigMap", "hubnity-config")["data"]
    listens = int(config["HUBNITY_PORT"])
    assert config["HUBNITY_HOST"] == "0.0.0.0", "bound to loopback the pod is unreachable"
    for probe in PROBES:
        assert container_port(container, container[probe]["httpGet"]["port"]) == listens, probe
    scrape = pod["metadata"]["annotations"]
    assert scrape["prometheus.io/path"] == "/metrics"
    assert container_port(container, int(scrape["prometheus.io/port"])) == listens


def test_commands_are_the_projects_console_scripts(docs: list[dict]):
    commands = {
        "hubnity-server": ["hubnity-server"],
        "hubnity-worker": ["hubnity-worker"],
        "hubnity-migrate": ["hubnity-server", "migrate"],
    }
    kinds = {"hubnity-migrate": "Job"}
    for name, command in commands.items():
        pod = pod_of(one(docs, kinds.get(name, "Deployment"), name))
        assert pod["containers"][0]["command"] == command
        assert_console_script(command[0])
    assert pod_of(one(docs, "Job", "hubnity-migrate"))["restartPolicy"] == "Never"


def test_all_containers_run_the_configured_image_non_root_with_limits(docs: list[dict]):
    (image,) = KUSTOMIZATION["images"]
    expected = f"{image['newName']}:{image['newTag']}"
    dockerfile = (ROOT / "installers" / "Dockerfile").read_text()
    uid = int(next(ln.split()[1].split(":")[0] for ln in dockerfile.splitlines()
                   if ln.startswith("USER ")))
    all_pods = pods(docs)
    assert len(all_pods) == 3
    for pod in all_pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == uid, "the image's own user"
        assert pod["automountServiceAccountToken"] is False
        for c in pod["containers"]:
            assert c["image"] == expected
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"] for m in c["volumeMounts"]}
            data_dir = one(docs, "ConfigMap", "hubnity-config")["data"]["HUBNITY_DATA_DIR"]
            assert {"/tmp", data_dir} <= mounts, "writable paths on a read-only root"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (c["name"], kind)


def test_env_comes_from_the_configmap_and_secret_and_covers_design(docs: list[dict]):
    config = one(docs, "ConfigMap", "hubnity-config")
    secret = one(docs, "Secret", "hubnity-secrets")
    names = set(config["data"]) | set(secret["stringData"])
    assert not names - server_env_names(), f"unknown: {sorted(names - server_env_names())}"
    assert not set(PRODUCTION_ENV) - names, f"missing: {sorted(set(PRODUCTION_ENV) - names)}"
    assert not set(config["data"]) & {"JWT_SECRET", "DATABASE_URL", "S3_SECRET_KEY"}
    for pod in pods(docs):
        refs = pod["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": "hubnity-config"}} in refs
        assert {"secretRef": {"name": "hubnity-secrets"}} in refs


def test_the_server_refuses_the_placeholder_secret_and_accepts_real_values(docs, tmp_path):
    config = dict(one(docs, "ConfigMap", "hubnity-config")["data"])
    secret = dict(one(docs, "Secret", "hubnity-secrets")["stringData"])
    config["HUBNITY_DATA_DIR"] = str(tmp_path)
    refused = load_server_settings({**config, **secret})
    assert "JWT_SECRET" in refused.get("error", ""), refused
    filled = {k: v.replace("REPLACE-ME", "x" * 40) for k, v in secret.items()}
    accepted = load_server_settings({**config, **filled})
    assert "error" not in accepted, accepted
    assert accepted["env"] == "production" and accepted["uses_s3"] is True
    assert accepted["db"].startswith("postgresql+asyncpg://")
    assert accepted["body_limit"] == 50 * 1024 * 1024


def test_service_hpa_pdb_and_ingress_point_at_the_server(docs: list[dict]):
    deployment = one(docs, "Deployment", "hubnity-server")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = one(docs, "Service", "hubnity-server")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    worker_labels = one(docs, "Deployment", "hubnity-worker")["spec"]["template"]["metadata"]
    assert not service["spec"]["selector"].items() <= worker_labels["labels"].items()
    pdb = one(docs, "PodDisruptionBudget", "hubnity-server")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

    hpa = one(docs, "HorizontalPodAutoscaler", "hubnity-server")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"], deployment["kind"], deployment["metadata"]["name"])
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "a node drain can proceed"

    ingress = one(docs, "Ingress", "hubnity")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "hubnity-server"
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    service_port = next(p for p in service["spec"]["ports"]
                        if p["name"] == backend["port"]["name"])
    server_container = pod_of(deployment)["containers"][0]
    config = one(docs, "ConfigMap", "hubnity-config")["data"]
    assert container_port(server_container, service_port["targetPort"]) == int(
        config["HUBNITY_PORT"]), "the Service sends traffic to the port the server listens on"
    host = ingress["spec"]["rules"][0]["host"]
    assert host in ingress["spec"]["tls"][0]["hosts"]
    public_url = one(docs, "ConfigMap", "hubnity-config")["data"]["HUBNITY_PUBLIC_URL"]
    assert public_url == f"https://{host}", "the server knows the address agents use"


def nginx_size(value: str) -> int:
    """nginx's size syntax: bytes, or k/m/g (powers of 1024)."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert m, value
    return int(m.group(1)) * 1024 ** " kmg".index((m.group(2) or " ").lower())


def test_ingress_allows_large_slow_uploads(docs: list[dict], tmp_path: Path):
    annotations = one(docs, "Ingress", "hubnity")["metadata"]["annotations"]
    body = nginx_size(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert body == 50 * 1024 * 1024
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    snippet = annotations["nginx.ingress.kubernetes.io/configuration-snippet"]
    assert "client_body_timeout 120s;" in snippet
    # The server, on the ConfigMap's values, enforces the same limit as the ingress.
    config = dict(one(docs, "ConfigMap", "hubnity-config")["data"], HUBNITY_DATA_DIR=str(tmp_path),
                  JWT_SECRET="x" * 40)
    settings = load_server_settings(config)
    assert "error" not in settings, settings
    assert settings["body_limit"] == body, "ingress and server agree on the body limit"


def pod_env(docs: list[dict], data_dir: Path, port: int) -> dict[str, str]:
    """What envFrom gives the pods (the Secret filled in), with the external services
    swapped for the embedded ones this machine has: SQLite in the data dir instead of
    PostgreSQL, in-process jobs instead of Redis, local storage instead of S3; and the
    image's PATH, whose console scripts are this virtualenv's."""
    config = one(docs, "ConfigMap", "hubnity-config")["data"]
    secret = one(docs, "Secret", "hubnity-secrets")["stringData"]
    env = {**config, **{k: v.replace("REPLACE-ME", "x" * 40) for k, v in secret.items()}}
    for name in ("REDIS_URL", "S3_ENDPOINT", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY",
                 "S3_SECRET_KEY"):
        env.pop(name)
    assert env["HUBNITY_ENV"] == "production"
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'hubnity.db'}",
        HUBNITY_DATA_DIR=str(data_dir),  # the pods' /data volume
        HUBNITY_PORT=str(port),
        PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    )
    return env


def test_the_pods_commands_migrate_then_serve_every_probe(docs: list[dict], tmp_path: Path):
    """The Job's command, then the Deployment's, run unchanged with the pods' env; each
    probe's path (and the scrape path) answers 200 on the port the probes use."""
    port = free_port()
    env = pod_env(docs, tmp_path, port)
    job = pod_of(one(docs, "Job", "hubnity-migrate"))["containers"][0]
    migrate = subprocess.run(job["command"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    deployment = one(docs, "Deployment", "hubnity-server")["spec"]["template"]
    container = deployment["spec"]["containers"][0]
    paths = [container[probe]["httpGet"]["path"] for probe in PROBES]
    paths.append(deployment["metadata"]["annotations"]["prometheus.io/path"])
    with serve(container["command"], env, port, tmp_path / "server.log", cwd=tmp_path) as server:
        for path in paths:
            response = httpx.get(f"{server.url}{path}", timeout=10)
            assert response.status_code == 200, (path, response.text)
        assert httpx.get(f"{server.url}/ready", timeout=10).json()["status"] == "ok"
