"""An editor's view: python-lsp-server with its flake8 plugin, over stdio, on a placement handler.

A small JSON-RPC client opens a defective `placement/handlers/trait.py`
of openstack-placement 16.0.0, waits for the diagnostics pylsp publishes,
sends the fix and waits for them to clear; with a workspace root, without
one, and with the file outside the workspace (where flake8 reads it as
`stdin`, its place in the project unknown).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import real_source_tree

pytestmark = [pytest.mark.realtree, pytest.mark.slow]

TRAIT = "placement/handlers/trait.py"
POLICY = "    context.can(policies.RP_TRAIT_UPDATE)\n"
DECODE = "    data = util.extract_json(req.body, schema.SET_TRAITS_FOR_RP_SCHEMA)\n"


class LanguageServer:
    """pylsp over stdio: Content-Length framed JSON-RPC, notifications collected by a reader thread."""

    def __init__(self, cwd: Path) -> None:
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
        # pylsp runs `flake8` from PATH: it must be this venv's, the one with reviewlint.
        assert shutil.which("flake8", path=env["PATH"]) == os.path.join(bin_dir, "flake8")
        self.process = subprocess.Popen([sys.executable, "-m", "pylsp"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        return reply.get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted: Any, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError("pylsp said nothing of what was awaited") from None
            if "method" in message and "id" in message:  # a request from the server: answer it
                self.send({"id": message["id"], "result": None})
            if wanted(message):
                return message

    def diagnostics(self, uri: str, settled: Any) -> list[tuple[int, str]]:
        """(1-based line, code) of the RVL diagnostics of the first publication `settled` accepts."""
        while True:
            message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri)
            found = sorted((d["range"]["start"]["line"] + 1, d["code"]) for d in message["params"]["diagnostics"]
                           if str(d.get("code", "")).startswith("RVL"))
            if settled(found):
                return found

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()


SETTINGS = {"pylsp": {"plugins": {
    "flake8": {"enabled": True},
    "pycodestyle": {"enabled": False}, "pyflakes": {"enabled": False}, "mccabe": {"enabled": False},
    "pydocstyle": {"enabled": False}, "autopep8": {"enabled": False}, "yapf": {"enabled": False},
}}}


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("workspace", ["root", "none", "elsewhere"])
def test_pylsp_shows_rvl_diagnostics_and_clears_them_after_the_fix(workspace: str, tmp_path: Path) -> None:
    root = real_source_tree("openstack-placement", "16.0.0")
    fixed = (root / TRAIT).read_text()
    defective = fixed.replace(POLICY, "").replace(DECODE, "    data = jsonutils.loads(req.body)\n")
    handler_line = _line_of(defective, "def update_traits_for_resource_provider(")
    decode_line = _line_of(defective, "    data = jsonutils.loads(req.body)")
    uri = (root / TRAIT).as_uri()
    # "elsewhere": the file is outside the workspace, so pylsp pipes it to flake8 as `stdin`.
    root_uri = {"root": root.as_uri(), "none": None, "elsewhere": tmp_path.as_uri()}[workspace]
    server = LanguageServer(cwd=root if workspace == "root" else tmp_path)
    try:
        server.request("initialize", {"processId": os.getpid(), "rootUri": root_uri, "capabilities": {},
                                      "initializationOptions": {}})
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": defective}})
        # Where the file's place is unknown, RVL501 (it rests on the module being a handler module
        # of the project) is not said; the decode that nothing validates is.
        expected = ([(handler_line, "RVL501"), (decode_line, "RVL201")] if workspace != "elsewhere"
                    else [(decode_line, "RVL201")])
        assert server.diagnostics(uri, lambda found: bool(found)) == sorted(expected)
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": fixed}]})
        assert server.diagnostics(uri, lambda found: found == []) == []
    finally:
        server.close()
