"""quanteda's YAML dictionaries: read nested keys with their values, and write a codebook as one.

A key maps to a list of values (or one value), or to a mapping of nested keys, as in
`quanteda::dictionary(file = "dict.yml")`. Every scalar is read as text, so `yes` or `1990`
stay the words they are. Repeated keys at one level are merged, as quanteda merges them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from agenda import yamlsafe
from agenda.codebook import Codebook
from agenda.dictionaries.translate import ImportReport, Key, Value
from agenda.errors import AgendaError


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _values(node: yaml.Node, source: str, key: str) -> list[Value]:
    if isinstance(node, yaml.ScalarNode):
        return [Value(node.value, _line(node))] if node.value.strip() else []
    if isinstance(node, yaml.SequenceNode):
        out = []
        for entry in node.value:
            if not isinstance(entry, yaml.ScalarNode):
                raise AgendaError(
                    f"{source}:{_line(entry)}: key {key!r}: a value must be a word or phrase, not a list or a mapping"
                )
            out.append(Value(entry.value, _line(entry)))
        return out
    raise AgendaError(f"{source}:{_line(node)}: key {key!r}: expected values or nested keys")


def _keys(node: yaml.MappingNode, source: str, report: ImportReport, path: str = "") -> list[Key]:
    keys: dict[str, Key] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            raise AgendaError(f"{source}:{_line(key_node)}: a dictionary key must be a non-empty name")
        name = key_node.value.strip()
        dotted = f"{path}.{name}" if path else name
        if isinstance(value_node, yaml.MappingNode):
            key = Key(name, _line(key_node), children=_keys(value_node, source, report, dotted))
        else:
            key = Key(name, _line(key_node), values=_values(value_node, source, dotted))
        if name in keys:
            report.note(key.line, f"key {dotted!r} repeats line {keys[name].line}; their values are merged")
            keys[name].values += key.values
            keys[name].children += key.children
        else:
            keys[name] = key
    return list(keys.values())


def read_quanteda(text: str, source: str, report: ImportReport) -> list[Key]:
    """The keys of a quanteda YAML dictionary given as text."""
    # Repeated keys are merged, as quanteda merges them; aliases and depth are bounded.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    root = yamlsafe.load(text, source, loader, unique_keys=False, build=False, short=True)
    if not isinstance(root, yaml.MappingNode):
        line = f":{_line(root)}" if root is not None else ""
        raise AgendaError(f"{source}{line}: a quanteda dictionary is a YAML mapping of keys to values")
    return _keys(root, source, report)


def _key_name(item_id: str, parent_id: str | None) -> str:
    if parent_id and item_id.startswith(parent_id + "_") and len(item_id) > len(parent_id) + 1:
        return item_id[len(parent_id) + 1 :]
    return item_id


def quanteda_data(codebook: Codebook, values_of, notes: list[str]) -> dict:
    """Nested keys (child ids without their parent's prefix) mapping to glob values."""
    children: dict[str | None, list] = {}
    for item in codebook.items:
        children.setdefault(item.parent, []).append(item)

    def runnable(item, value: str) -> bool:
        if "*" not in value.split():
            return True
        notes.append(
            f"item {item.id!r}: {value!r}: quanteda matches a lone '*' by expanding every sequence of vocabulary "
            "types it may stand for (millions on a large corpus); not exported"
        )
        return False

    def entry(item) -> list[str] | dict:
        values = [value for value in values_of(item) if runnable(item, value)]
        kids = children.get(item.id, [])
        if not kids:
            return values
        out: dict = {}
        if values:
            name = _key_name(item.id, item.parent)
            notes.append(
                f"item {item.id!r}: a quanteda key holds either values or nested keys; its own values are "
                f"written under the nested key {name!r}"
            )
            out[name] = values
        for kid in kids:
            out[_key_name(kid.id, item.id)] = entry(kid)
        return out

    return {_key_name(item.id, None): entry(item) for item in children.get(None, [])}


def write_quanteda(data: dict, path: Path) -> None:
    """Write nested keys as quanteda YAML."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    path.write_text(text, encoding="utf-8")
