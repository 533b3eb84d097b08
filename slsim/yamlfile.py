"""One strict YAML loader for every YAML slsim reads: scenario files, experiment files, ``--set`` values.

Rules, each refusal a :class:`~slsim.errors.YamlError` of one line that starts with the file's path
(``PATH: not valid YAML at line L, column C: WHAT`` when the place is known):

* A file larger than :data:`~slsim.limits.MAX_YAML_BYTES` is refused before it is parsed.
* libyaml's C parser reads the file when PyYAML has it (``yaml.CSafeLoader``: tens of times
  faster than the pure-Python one); a file it cannot parse is parsed again by the pure-Python
  parser, so a broken file is described in the same words with or without libyaml. Only the
  constructing of Python values is PyYAML's Python code either way, and the checks below run on
  the parsed node graph before anything is constructed.
* The file must be UTF-8 text.
* Only plain data is built (YAML's safe loader: mappings, lists, strings, numbers, booleans,
  null, dates), never Python objects.
* A key may appear only once in a mapping: YAML would silently keep the last one. A ``<<`` merge
  may bring in keys that the mapping then sets again, as YAML defines.
* Nesting deeper than :data:`~slsim.limits.MAX_YAML_DEPTH` is refused, in the text and once
  aliases are followed (the parser and later checks recurse).
* Aliases may not make the document larger than :data:`~slsim.limits.MAX_YAML_NODES` values once
  expanded, nor refer to a list or mapping they are inside: a "billion laughs" file is refused
  from its few hundred written values, before anything is built from it.

Scenario and experiment loaders turn a ``YamlError`` into their own error class with the same
message, so a broken file reads the same whichever kind it is. Further hardening of YAML input
belongs here, in :func:`parse`, and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from slsim.errors import YamlError
from slsim.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.MarkedYAMLError):
    """A document this loader will not build, at a place in the text."""


class _Strict:
    """The rules applied while constructing (both parsers): the expansion check before any value
    is built, and each mapping's keys given once."""

    def _strict_init(self) -> None:
        self._depth = 0
        self._checked: set[yaml.Node] = set()

    def get_single_data(self):
        node = self.get_single_node()
        if node is None:
            return None
        _check_expanded(node)
        return self.construct_document(node)

    def flatten_mapping(self, node):
        # Checked here, before the first flattening of each mapping: flattening rewrites a merged
        # mapping in place, after which its merged and own keys would look like repeats.
        if node not in self._checked:
            self._checked.add(node)
            self._check_unique_keys(node)
        super().flatten_mapping(node)

    def _check_unique_keys(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            # keys are small: the expansion check has already bounded what an aliased key holds
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: the safe constructor explains that one
                continue
            if first is not key_node.start_mark:
                raise _Refused(problem=f"the key {key!r} is given twice (first at line {first.line + 1})",
                               problem_mark=key_node.start_mark)


_CLoader = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:
    class _StrictCLoader(_Strict, _CLoader):
        """libyaml's parser and composer, PyYAML's safe constructor, this module's rules."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._strict_init()


def _check_depth_events(text: str) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH from libyaml's events (a loop, no recursion),
    before libyaml's composer, which recurses in C, ever sees the document."""
    loader = _CLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise _Refused(problem=f"nested more than {MAX_YAML_DEPTH} levels deep",
                                   problem_mark=event.start_mark)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


class _StrictLoader(_Strict, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the rules of this module's docstring."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._strict_init()

    def compose_node(self, parent, index):
        # The composer recurses once per level; refusing here keeps a deep file from exhausting
        # Python's recursion (a RecursionError rather than a message).
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(problem=f"nested more than {MAX_YAML_DEPTH} levels deep",
                               problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expanded(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand it beyond the size or depth bounds, or loop.

    Each distinct node is visited once (sizes and depths are remembered), and without recursion,
    so a chain of thousands of aliases is measured as quickly as it is refused.
    """
    size: dict[yaml.Node, int] = {}
    depth: dict[yaml.Node, int] = {}
    open_nodes: set[yaml.Node] = set()  # started, not finished: the path from the root
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            kids = _children(node)
            size[node] = 1 + sum(size[k] for k in kids)
            depth[node] = 1 + max((depth[k] for k in kids), default=0)
            open_nodes.discard(node)
            if size[node] > MAX_YAML_NODES:
                raise _Refused(problem=f"aliases expand this to more than {MAX_YAML_NODES:,} values",
                               problem_mark=node.start_mark)
            if depth[node] > MAX_YAML_DEPTH:
                raise _Refused(problem=f"aliases nest this more than {MAX_YAML_DEPTH} levels deep",
                               problem_mark=node.start_mark)
            continue
        if node in size:
            continue
        if node in open_nodes:
            raise _Refused(problem="an alias refers to a list or mapping it is inside", problem_mark=node.start_mark)
        open_nodes.add(node)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if k not in size)


def _where(err: yaml.YAMLError) -> str:
    """Where and what a YAML error is, on one line."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{at}: {problem}"


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, refusing a file over the size limit without reading all of it.

    An unreadable file raises the ``OSError`` (the commands report those with the file's name).
    """
    path = Path(path)
    with path.open("rb") as fh:
        raw = fh.read(MAX_YAML_BYTES + 1)
    if len(raw) > MAX_YAML_BYTES:
        raise YamlError(f"{path}: larger than {MAX_YAML_BYTES:,} bytes, the limit for a YAML file")
    return raw


def parse(raw: bytes | str, where: str | Path) -> Any:
    """The data of one YAML document (bytes must be UTF-8); ``where`` starts every message."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise YamlError(f"{where}: not a text file (expected UTF-8 YAML)") from None
    if _CLoader is not None:
        try:
            _check_depth_events(raw)
            loader = _StrictCLoader(raw)
            try:
                return loader.get_single_data()
            finally:
                loader.dispose()
        except _Refused as err:
            raise YamlError(f"{where}: not valid YAML{_where(err)}") from None
        except yaml.YAMLError:
            pass  # not YAML: the pure-Python parser below words it as it always has
    loader = None
    try:
        loader = _StrictLoader(raw)  # its reader refuses control characters at once
        return loader.get_single_data()
    except yaml.reader.ReaderError as err:
        line = raw.count("\n", 0, err.position) + 1
        problem = str(err).splitlines()[0]
        raise YamlError(f"{where}: not valid YAML at line {line}: {problem}") from None
    except yaml.YAMLError as err:
        raise YamlError(f"{where}: not valid YAML{_where(err)}") from None
    finally:
        if loader is not None:
            loader.dispose()


def load(path: str | Path) -> Any:
    """Read and parse one YAML file by the rules above."""
    return parse(read_bytes(path), path)


def read_as(path: str | Path, error: type[Exception]) -> tuple[bytes, Any]:
    """A file's bytes and its data, a refusal raised as ``error`` (the caller's own error class)
    with the same one-line message, so every kind of file reads the same when broken."""
    try:
        raw = read_bytes(path)
        return raw, parse(raw, path)
    except YamlError as err:
        raise error(str(err)) from None
