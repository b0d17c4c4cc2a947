#!/usr/bin/env python3
"""Build-time helper of the GPU pool images (deploy/machines/<pool>/Dockerfile).

  pool-tool.py split <pool.yaml> <out-dir>   one pool file -> the files each reader takes as they are:
      nodes.json           {"nodes": [...]}   emp-supervisor install-nodes (docs/custom-nodes.md)
      models-catalog.json  {"models": {...}}  the model manager's EMP_MODELS_CATALOG (docs/pools-and-models.md)
      baked-models.txt     names of catalog models to put into the image, one a line
      ollama-models.txt    Ollama models to pull into the image, one a line
  pool-tool.py bake <out-dir> <models-dir>   downloads every baked model into <models-dir>/<name>,
      checks its size and SHA-256 against the catalog and fails the build on any mismatch.
      A catalog entry's auth_env (HF_TOKEN, CIVITAI_TOKEN, ...) is read from the BuildKit secret
      /run/secrets/<auth_env> (docker build --secret id=HF_TOKEN,env=HF_TOKEN), else from the
      environment; it is sent as a bearer token to the catalog URL's host only, never stored.

The same checks run in the project's tests (DeployFilesTest) with the real Java loaders; this script
only repeats the structural ones so a bad edit fails the image build early, with the field named.
Needs python3 and PyYAML (Debian/Ubuntu: python3-yaml); no other dependency.
"""
import hashlib
import json
import os
import re
import sys
import urllib.parse
import urllib.request

KEYS = {"pool", "nodes", "models", "baked_models", "ollama_models"}
NAME = re.compile(r"[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,255}\Z")
SHA256 = re.compile(r"[0-9a-f]{64}\Z")


def fail(msg):
    print("pool-tool: " + msg, file=sys.stderr)
    sys.exit(2)


def load(path):
    import yaml  # python3-yaml
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    if not isinstance(doc, dict):
        fail(f"{path}: must be a map with keys {sorted(KEYS)}")
    unknown = set(doc) - KEYS
    if unknown:
        fail(f"{path}: unknown keys {sorted(unknown)} (known: {sorted(KEYS)})")
    nodes = doc.get("nodes") or []
    models = doc.get("models") or {}
    baked = doc.get("baked_models") or []
    ollama = doc.get("ollama_models") or []
    if not isinstance(nodes, list):
        fail(f"{path}: nodes must be a list (the installer's node objects)")
    if not isinstance(models, dict):
        fail(f"{path}: models must be a map of model name to {{url, bytes, sha256}}")
    for name, entry in models.items():
        where = f"{path}: models.{name}"
        if not NAME.match(str(name)):
            fail(f"{where}: a model name is 1-256 characters of [A-Za-z0-9_.:-], not starting with a dot")
        if not isinstance(entry, dict):
            fail(f"{where}: must be {{url, bytes, sha256}}")
        if not str(entry.get("url", "")).startswith(("https://", "http://")):
            fail(f"{where}.url: must be an absolute http(s) URL")
        if not isinstance(entry.get("bytes"), int) or entry["bytes"] <= 0:
            fail(f"{where}.bytes: must be a positive integer")
        if not SHA256.match(str(entry.get("sha256", "")).lower()):
            fail(f"{where}.sha256: must be 64 hexadecimal digits")
    for name in baked:
        if name not in models:
            fail(f"{path}: baked_models: {name} is not in models (the catalog)")
    for name in ollama:
        if not isinstance(name, str) or not name.strip():
            fail(f"{path}: ollama_models: every entry is a model name such as qwen2.5:0.5b")
    return nodes, models, baked, ollama


def split(pool_file, out):
    nodes, models, baked, ollama = load(pool_file)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "nodes.json"), "w", encoding="utf-8") as f:
        json.dump({"nodes": nodes}, f, indent=1)
    with open(os.path.join(out, "models-catalog.json"), "w", encoding="utf-8") as f:
        json.dump({"models": models}, f, indent=1)
    with open(os.path.join(out, "baked-models.txt"), "w", encoding="utf-8") as f:
        f.writelines(n + "\n" for n in baked)
    with open(os.path.join(out, "ollama-models.txt"), "w", encoding="utf-8") as f:
        f.writelines(n + "\n" for n in ollama)
    print(f"pool-tool: {len(nodes)} custom nodes, {len(models)} catalog models ({len(baked)} baked),"
          f" {len(ollama)} Ollama models")


def secret(name):
    path = os.path.join("/run/secrets", name)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get(name, "")


class SameHostRedirect(urllib.request.HTTPRedirectHandler):
    """Drops the Authorization header when a redirect leaves the catalog URL's host (CDN links)."""

    def __init__(self, host):
        self.host = host

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).hostname != self.host:
            new.remove_header("Authorization")
        return new


def download(name, entry, dest):
    url = entry["url"]
    req = urllib.request.Request(url, headers={"User-Agent": "emp-pool-bake"})
    if entry.get("auth_env"):
        token = secret(entry["auth_env"])
        if token:
            req.add_header("Authorization", "Bearer " + token)
    opener = urllib.request.build_opener(SameHostRedirect(urllib.parse.urlsplit(url).hostname))
    part = dest + ".partial"
    digest = hashlib.sha256()
    done = 0
    with opener.open(req, timeout=120) as resp, open(part, "wb") as out:
        while True:
            block = resp.read(8 << 20)
            if not block:
                break
            out.write(block)
            digest.update(block)
            done += len(block)
            if done > entry["bytes"]:
                break
    if done != entry["bytes"]:
        os.unlink(part)
        fail(f"{name}: {done} bytes downloaded, the catalog says {entry['bytes']}")
    if digest.hexdigest() != entry["sha256"].lower():
        os.unlink(part)
        fail(f"{name}: sha256 {digest.hexdigest()} does not match the catalog's {entry['sha256']}")
    os.replace(part, dest)


def bake(out, models_dir):
    with open(os.path.join(out, "models-catalog.json"), encoding="utf-8") as f:
        models = json.load(f)["models"]
    with open(os.path.join(out, "baked-models.txt"), encoding="utf-8") as f:
        baked = [line.strip() for line in f if line.strip()]
    os.makedirs(models_dir, exist_ok=True)
    for name in baked:
        print(f"pool-tool: baking {name} ({models[name]['bytes']} bytes)", flush=True)
        download(name, models[name], os.path.join(models_dir, name))
    print(f"pool-tool: {len(baked)} models baked into {models_dir}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "bake":
        bake(sys.argv[2], sys.argv[3])
    else:
        fail("usage: pool-tool.py split <pool.yaml> <out-dir> | bake <out-dir> <models-dir>")
