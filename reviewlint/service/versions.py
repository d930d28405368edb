"""The service's microversions: `VERSIONS`, their order, and the history document.

The versions module is the one that defines `VERSIONS` (or the `versions`
config key). When several modules do (a whole nova tree has three), the one
the handler modules import wins. Nothing is imported: `VERSIONS` is read with
the static evaluator, so `['1.0', '1.1', ...]` and `[(1, 0), (1, 1), ...]`
both work.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from reviewlint.core.config import resolve_path, shown
from reviewlint.core.errors import ReviewlintError
from reviewlint.core.microversion import Version, VersionRange, bounded_number, parse_version
from reviewlint.core.source import UnreadableSource
from reviewlint.service.handlers import handler_paths, handler_refs
from reviewlint.model.facts import file_facts

if TYPE_CHECKING:
    from reviewlint.model.module import ModuleInfo
    from reviewlint.model.project import Project

_HEADING_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?![\d.])")
_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+_.:])\1{2,}\s*$")
DEFAULT_SERVICE_TYPE = "placement"
HISTORY_NAME = "rest_api_version_history.rst"


@dataclass(frozen=True)
class ServiceVersions:
    """The declared microversions of the service, in declaration order."""

    module: str
    path: Path
    versions: tuple[Version, ...]
    service_type: str

    @property
    def minimum(self) -> Version:
        """The lowest version (what a request without a version header gets)."""
        return min(self.versions)

    @property
    def latest(self) -> Version:
        """The highest version (what `latest` means)."""
        return max(self.versions)

    @property
    def all(self) -> VersionRange:
        """Every version of the service."""
        return VersionRange(self.minimum, self.latest)

    def declares(self, version: Version) -> bool:
        """True when `version` is in `VERSIONS`."""
        return version in self._ordered_set

    @cached_property
    def _ordered(self) -> tuple[Version, ...]:
        return tuple(sorted(set(self.versions)))

    @cached_property
    def _ordered_set(self) -> frozenset[Version]:
        return frozenset(self.versions)

    def before(self, version: Version) -> Version | None:
        """The declared version just below `version`, if any."""
        lower = [v for v in self._ordered if v < version]
        return lower[-1] if lower else None

    def after(self, version: Version) -> Version | None:
        """The declared version just above `version`, if any."""
        return next((v for v in self._ordered if v > version), None)

    def resolve(self, text: str) -> Version | None:
        """A request's version string: `latest`, `X.Y`; None when malformed."""
        if text.strip().lower() == "latest":
            return self.latest
        return parse_version(text)


def versions_modules(project: "Project") -> list[Path]:
    """Every project file that defines `VERSIONS` at module level, by a cheap text test."""
    from reviewlint.model.facts import PATHS

    found: tuple[Path, ...] = project.memo("versions_modules", lambda: project.files_assigning("VERSIONS"), PATHS)
    return list(found)


def _configured_module(project: "Project", value: str) -> "ModuleInfo | None":
    """A module named in config: a dotted name or a root-relative path."""
    if value.endswith(".py") or "/" in value:
        path = project.root / value
        return project.module_at(path) if path.is_file() else None
    return project.module(value)


def configured_versions_path(project: "Project") -> Path | None:
    """The file config `versions` names (a path, or a module name), if it is one of the project's."""
    value = project.config.versions
    if not value:
        return None
    if value.endswith(".py") or "/" in value:
        path = project.root / value
        return path if path.is_file() else None
    return project.module_path(value)


def _importers(project: "Project", module_name: str) -> int:
    """How many handler modules import `module_name` (or something inside it)."""
    count = 0
    for path in handler_paths(project):
        facts = file_facts(project, path)
        imports = {project.canonical(name) for name in facts.imports} if facts is not None else set()
        if any(target == module_name or target.startswith(module_name + ".") for target in imports):
            count += 1
    return count


def _choose(project: "Project", candidates: Iterable[Path]) -> "ModuleInfo | None":
    modules = [m for m in (project.module_at(p) for p in candidates) if m is not None]
    if len(modules) <= 1:
        return modules[0] if modules else None
    # Several modules define VERSIONS (nova: metadata, compute, placement):
    # the service's one is the one its handler modules import.
    return max(modules, key=lambda m: (_importers(project, m.name), -modules.index(m)))


def _read_versions(project: "Project", module: "ModuleInfo") -> ServiceVersions | None:
    from reviewlint.model.schemas import Const, ListValue, evaluator_for

    evaluator = evaluator_for(project)
    env = evaluator.env(module)
    value = env.get("VERSIONS")
    if not isinstance(value, ListValue):
        return None
    versions = []
    for item in value.items:
        version = version_of_value(item)
        if version is None:
            return None  # a computed list: say nothing rather than guess
        versions.append(version)
    if not versions:
        return None
    service = env.get("SERVICE_TYPE")
    declared = service.value if isinstance(service, Const) and isinstance(service.value, str) else None
    service_type = project.config.service_type or declared or DEFAULT_SERVICE_TYPE
    return ServiceVersions(module.name, module.path, tuple(versions), service_type)


def version_of_value(value: object) -> Version | None:
    """A version from an evaluated constant: `'1.30'` or `(1, 30)`."""
    from reviewlint.model.schemas import Const, ListValue

    if isinstance(value, Const):
        return parse_version(value.value)
    if isinstance(value, ListValue) and len(value.items) == 2:
        parts = [item.value for item in value.items if isinstance(item, Const)]
        numbers = [p for p in parts if isinstance(p, int) and not isinstance(p, bool)]
        if len(numbers) == 2:
            return (numbers[0], numbers[1])
    return None


def _build_versions(project: "Project") -> ServiceVersions | None:
    if project.config.versions:
        module = _configured_module(project, project.config.versions)
    else:
        module = _choose(project, versions_modules(project))
    return _read_versions(project, module) if module is not None else None


def _encode_versions(service: ServiceVersions | None) -> Any:
    if service is None:
        return None
    return [service.module, str(service.path), [list(v) for v in service.versions], service.service_type]


def _decode_versions(data: Any) -> ServiceVersions | None:
    if data is None:
        return None
    module, path, versions, service_type = data
    return ServiceVersions(str(module), Path(path), tuple((int(a), int(b)) for a, b in versions), str(service_type))


def service_versions(project: "Project") -> ServiceVersions | None:
    """The project's declared microversions, or None when there is no usable `VERSIONS`."""
    from reviewlint.model.project import Codec

    if not project.config.versions and len(versions_modules(project)) > 1:
        # First: an edit elsewhere changes them not, nor the versions. Only a choice
        # between several modules asks which the handler modules import (`_choose`).
        handler_refs(project)
    return project.memo("versions", lambda: _build_versions(project), Codec(_encode_versions, _decode_versions))


@dataclass(frozen=True)
class HistoryDocument:
    """The version history document and the versions that have a section in it."""

    path: Path
    sections: frozenset[Version]

    def documents(self, version: Version) -> bool:
        """True when `version` has a section."""
        return version in self.sections


def history_sections(text: str) -> frozenset[Version]:
    """The versions named at the start of a reStructuredText heading (`1.30 - Provide ...`)."""
    lines = text.splitlines()
    found = set()
    for index, line in enumerate(lines[:-1]):
        if not line.strip() or _UNDERLINE.match(line):
            continue
        underline = lines[index + 1]
        if _UNDERLINE.match(underline) and len(underline.rstrip()) >= min(len(line.rstrip()), 3):
            match = _HEADING_VERSION.match(line)
            if match:
                found.add((bounded_number(match.group(1)), bounded_number(match.group(2))))
    return frozenset(found)


def _build_history(project: "Project") -> HistoryDocument | None:
    configured = project.config.version_history
    if configured:
        candidates = [project.root / configured]
    else:
        candidates = [p for p in project.files if p.name == HISTORY_NAME]
        versions = service_versions(project)
        if versions is not None and len(candidates) > 1:
            # nova has one per API: take the one nearest the versions module.
            home = resolve_path(versions.path).parent.parts
            candidates.sort(key=lambda p: -_shared_prefix(resolve_path(p).parent.parts, home))
    for path in candidates:
        try:
            text = project.source(path)
        except UnreadableSource as exc:
            if configured and os.path.lexists(path):
                raise ReviewlintError(f"{project.config.source or 'configuration'}: version-history: "
                                      f"cannot read {shown(configured)}: {exc}") from None
            continue
        return HistoryDocument(path, history_sections(text))
    return None


def _shared_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for left, right in zip(a, b):
        if left != right:
            break
        count += 1
    return count


def _encode_history(document: HistoryDocument | None) -> Any:
    if document is None:
        return None
    return [str(document.path), sorted(list(v) for v in document.sections)]


def _decode_history(data: Any) -> HistoryDocument | None:
    if data is None:
        return None
    path, sections = data
    return HistoryDocument(Path(path), frozenset((int(a), int(b)) for a, b in sections))


def history_document(project: "Project") -> HistoryDocument | None:
    """The version history document (`rest_api_version_history.rst`), if there is one."""
    from reviewlint.model.project import Codec

    if not project.config.version_history:
        service_versions(project)  # first: its value, not its files, decides the choice
    return project.memo("history", lambda: _build_history(project), Codec(_encode_history, _decode_history))
