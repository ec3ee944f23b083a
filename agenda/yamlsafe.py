"""YAML read with bounded work: the node graph is checked before any Python object is built.

Anchors and aliases let a few lines of YAML stand for billions of nodes (an alias bomb: nine
levels of nine aliases), and nesting can run deeper than Python's recursion. `compose` parses
the text into nodes (libyaml where built), then walks them once without recursion: more than
MAX_NODES nodes once aliases are expanded, more than MAX_DEPTH levels, an alias inside itself,
or (with unique_keys) a key repeated in a mapping is an error naming the file and the line.
"""

from __future__ import annotations

import yaml

from agenda.errors import AgendaError

MAX_NODES = 1_000_000  # nodes with aliases expanded: the largest real codebooks have some 100,000
MAX_DEPTH = 100  # levels of nesting: codebooks need 6, dictionaries a dozen
MERGE = "tag:yaml.org,2002:merge"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _at(source: str, line: int, column: int | None, short: bool) -> str:
    """Where, as `file:LINE` (short, as dictionary errors say it) or `file: line L, column C`."""
    if short:
        return f"{source}:{line}"
    return f"{source}: line {line}" + (f", column {column}" if column else "")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_keys(node: yaml.MappingNode, source: str, short: bool) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == MERGE:
            continue
        if (key.tag, key.value) in seen:
            where, first = _at(source, _line(key), None, short), seen[key.tag, key.value]
            raise AgendaError(f"{where}: duplicate key {key.value!r} (first on line {first})")
        seen[key.tag, key.value] = _line(key)


def check(root: yaml.Node, source: str, unique_keys: bool = True, short: bool = False) -> None:
    """Bound the expanded size and depth of a node graph, refuse cycles and (if unique_keys) repeated keys."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, children not done: the path from the root
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_NODES:
                raise AgendaError(
                    f"{_at(source, _line(node), None, short)}: more than {MAX_NODES:,} values once its aliases are "
                    "expanded (an alias bomb?); write the values out"
                )
            if depth[key] > MAX_DEPTH:
                raise AgendaError(f"{_at(source, _line(node), None, short)}: nested more than {MAX_DEPTH} levels deep")
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise AgendaError(f"{_at(source, _line(node), None, short)}: an alias refers to a node that contains it")
        if unique_keys and isinstance(node, yaml.MappingNode):
            _check_keys(node, source, short)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)


def _yaml_error(exc: yaml.YAMLError, source: str, short: bool) -> AgendaError:
    mark = getattr(exc, "problem_mark", None)
    where = _at(source, mark.line + 1, mark.column + 1, short) if mark else source
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return AgendaError(f"{where}: malformed YAML: {problem}")


def load(
    text: str,
    source: str,
    loader: type | None = None,
    unique_keys: bool = True,
    build: bool = True,
    short: bool = False,
):
    """The YAML document in text, checked by `check` first: Python data (build=True) or its root node.

    loader defaults to libyaml's safe loader where built (else PyYAML's own); None for an empty
    text. Errors name the place as `file: line L, column C`, or `file:LINE` with short=True.
    """
    loader = loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parser = loader(text)
    try:
        root = parser.get_single_node()
        if root is None:
            return None
        check(root, source, unique_keys, short)
        return parser.construct_document(root) if build else root
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, short) from None
    except ValueError as exc:  # a date that does not exist, such as 2021-02-30
        raise AgendaError(f"{source}: malformed YAML: {exc}") from None
    except RecursionError:  # PyYAML's pure-Python composer, without libyaml, recurses per level
        raise AgendaError(f"{source}: nested too deeply to read") from None
    finally:
        parser.dispose()
