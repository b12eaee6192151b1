"""Read Fides `dataset:` YAML files (with rightful's extension) into the domain's DataMap."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, get_args

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY
from fideslang.models import Dataset as FidesDataset
from fideslang.models import DatasetCollection as FidesCollection
from fideslang.models import DatasetField as FidesField
from pydantic import BaseModel, ValidationError

from rightful.adapters.datamap.extension import (
    ExtensionError,
    collection_extension,
    dataset_extension,
    field_extension,
    field_window,
    split_extension,
    translated,
)
from rightful.domain.datamap import (
    DataCollection,
    DataField,
    DataMap,
    Dataset,
    Direction,
    FieldAddress,
    Reference,
)
from rightful.domain.datamap_checks import DataMapProblem, check_datamap
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import IdentityType
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.words import counted


@cache
def fides_categories() -> frozenset[str]:
    """The keys of fideslang's default data-category taxonomy."""
    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)


def load_datamap(paths: Sequence[Path | str]) -> DataMap:
    """The data map of these files; ConfigurationError, in one line, if it has any problem."""
    datamap, problems = read_datamap(paths)
    if len(problems) == 1:
        raise ConfigurationError(f"the data map has a problem: {problems[0]}")
    if problems:
        raise ConfigurationError(
            f"the data map has {len(problems)} problems (`rightful datamap check` lists them); "
            f"the first: {problems[0]}"
        )
    return datamap


def read_datamap(paths: Sequence[Path | str]) -> tuple[DataMap, list[DataMapProblem]]:
    """Parse and check the files; returns whatever could be parsed and every problem found."""
    datasets: list[Dataset] = []
    declared: dict[str, Sensitivity] = {}
    problems: list[DataMapProblem] = []
    # A file named twice (maps/a.yaml and ./maps/a.yaml) is read once, not reported as a clash.
    seen: set[Path] = set()
    for path in map(Path, paths):
        if (real := path.resolve()) in seen:
            continue
        seen.add(real)
        parsed, found = _read_file(path, declared)
        datasets.extend(parsed)
        problems.extend(found)
    datamap = DataMap(tuple(datasets), declared, frozenset(declared))
    if not problems:
        problems.extend(check_datamap(datamap, fides_categories()))
    return datamap, problems


def _read_file(
    path: Path, declared: dict[str, Sensitivity]
) -> tuple[list[Dataset], list[DataMapProblem]]:
    origin = str(path)
    try:
        document = yaml.load(_text_of(path), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except OSError as exc:
        return [], [DataMapProblem(origin, None, None, f"cannot read: {exc.strerror or exc}")]
    except _FileMistake as exc:
        return [], [DataMapProblem(origin, None, None, str(exc))]
    except yaml.YAMLError as exc:
        return [], [DataMapProblem(origin, None, None, _yaml_mistake(exc))]
    except RecursionError:
        return [], [DataMapProblem(origin, None, None, "nested too deeply to be a data map")]
    blocks = document.get("dataset") if isinstance(document, Mapping) else None
    if not isinstance(blocks, list):
        return [], [DataMapProblem(origin, None, None, "no top-level `dataset:` list")]
    if not blocks:
        return [], [DataMapProblem(origin, None, None, "the `dataset:` list is empty")]
    datasets, problems = [], []
    for block in blocks:
        try:
            datasets.append(_dataset(origin, block, declared))
        except _LocatedError as exc:
            problems.append(DataMapProblem(origin, exc.collection, exc.field, exc.message))
    return datasets, problems


MAX_FILE_BYTES: Final = 8 * 1024 * 1024


class _FileMistake(Exception):
    pass


def _text_of(path: Path) -> str:
    """The file as text: a regular file of at most MAX_FILE_BYTES, in UTF-8."""
    if path.exists() and not path.is_file():
        raise _FileMistake("not a regular file (a folder, a device or a pipe)")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _FileMistake(f"larger than {MAX_FILE_BYTES:,} bytes: split it into files")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _FileMistake(f"not UTF-8 text (byte {exc.start})") from None


# libyaml's parser where PyYAML was built with it: the pure-Python one took 6 s for a 2 MB map.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping, which plain YAML loading
    resolves silently by keeping the last (a second `data_categories:` would replace the
    first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_mistake(exc: yaml.YAMLError) -> str:
    """'not valid YAML at line 3, column 7: <the parser's reason>', on one line."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or "cannot be parsed"
    if mark is None:
        return f"not valid YAML: {reason}"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {reason}"


class _LocatedError(Exception):
    def __init__(self, message: str, collection: str | None, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.collection, self.field = message, collection, field


def _dataset(origin: str, block: Any, declared: dict[str, Sensitivity]) -> Dataset:
    if not isinstance(block, Mapping):
        raise _LocatedError("a dataset entry must be a mapping", None)
    key = str(block.get("fides_key", "?"))
    try:
        plain, ext = split_extension(block)
        source, categories, defaults, language = dataset_extension(ext, key)
        stripped, extensions = _strip_collections(plain, key)
        model = _validate(stripped, key)
        name = translated(model.name, ext, "name", language)
    except ExtensionError as exc:
        raise _LocatedError(str(exc), key) from None
    for category, level in categories.items():
        if declared.setdefault(category, level) is not level:
            raise _LocatedError(f"category {category} declared with two sensitivities", key)
    collections = tuple(
        _collection(key, c, extensions.get(c.name, {}), defaults, language)
        for c in model.collections
    )
    return Dataset(model.fides_key, source, collections, origin, name, model.description)


def _validate(stripped: dict[str, Any], key: str) -> FidesDataset:
    _only_known(stripped, FidesDataset, "the dataset", key)
    try:
        return FidesDataset.model_validate(stripped)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _LocatedError(
            f"not a valid Fides dataset at {where}: {first['msg']} "
            f"({counted(exc.error_count(), 'error', 'errors')})",
            key,
        ) from None


def _only_known(block: Any, model: type[BaseModel], where: str, key: str) -> None:
    """Refuse keys the Fides model does not know, at every level: the model would ignore them,
    and a misspelt `data_categorys:` would silently leave a field without categories."""
    if isinstance(block, list):
        for item in block:
            _only_known(item, model, where, key)
        return
    if not isinstance(block, Mapping):
        return
    known, nested = _keys_of(model)
    for name in block:
        if name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            named = block.get("name")
            place = f"{where} {named}" if isinstance(named, str) else where
            raise _LocatedError(f"unknown key {name!s:.60} in {place}{hint}", key)
    for name, inner in nested:
        value = block.get(name)
        if name == "fides_meta" and value is None:
            value = block.get("fidesops_meta")
        if value is not None:
            _only_known(value, inner, _PLACES.get(name, name), key)


@cache
def _keys_of(
    model: type[BaseModel],
) -> tuple[frozenset[str], tuple[tuple[str, type[BaseModel]], ...]]:
    """The keys a Fides model knows, and those of its fields that hold models themselves."""
    fields = model.model_fields
    known = set(fields) | {f.alias for f in fields.values() if f.alias}
    if "fides_meta" in known:
        known.add("fidesops_meta")  # the older name, which fideslang still reads as fides_meta
    nested = tuple(
        (name, inner) for name, f in fields.items() if (inner := _model_in(f.annotation))
    )
    return frozenset(known), nested


_PLACES: Final = {"collections": "collection", "fields": "field", "fides_meta": "fides_meta"}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside Optional[...] / List[...] annotations, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _strip_collections(plain: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dataset without any `rightful:` block, and those blocks by collection and field name."""
    collections, extensions = [], {}
    for raw in _listed(plain, "collections", key):
        if not isinstance(raw, Mapping):
            collections.append(raw)
            continue
        coll, coll_ext = split_extension(raw)
        fields, field_exts = [], {}
        for raw_field in _listed(coll, "fields", f"{key}.{coll.get('name', '?')}"):
            if isinstance(raw_field, Mapping):
                raw_field, field_exts[str(raw_field.get("name"))] = split_extension(raw_field)
            fields.append(raw_field)
        collections.append({**coll, "fields": fields})
        extensions[str(coll.get("name"))] = {"_": coll_ext, "fields": field_exts}
    return {**plain, "collections": collections}, extensions


def _listed(block: Mapping[str, Any], name: str, address: str) -> list[Any]:
    """The list under `name:` (none given is an empty one), refused at `address` if not a list."""
    value = block.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _LocatedError(f"{name} must be a list", address)
    return value


def _collection(
    dataset: str,
    model: FidesCollection,
    ext: dict[str, Any],
    defaults: dict[str, Any],
    language: str,
) -> DataCollection:
    address = f"{dataset}.{model.name}"
    try:
        subject, info = collection_extension(ext.get("_", {}), defaults, language)
        described = translated(model.description, ext.get("_", {}), "description", language)
    except ExtensionError as exc:
        raise _LocatedError(str(exc), address) from None
    field_exts = ext.get("fields", {})
    fields = tuple(_field(address, f, field_exts.get(f.name, {}), language) for f in model.fields)
    return DataCollection(
        dataset,
        model.name,
        fields,
        tuple(model.data_categories or ()),
        info,
        subject,
        described,
    )


def _field(address: str, model: FidesField, ext: dict[str, Any], language: str) -> DataField:
    if model.fields:
        raise _LocatedError("nested fields are not supported", address, model.name)
    meta = model.fides_meta
    try:
        extras = field_extension(ext)
        window = field_window(ext)
        described = translated(model.description, ext, "description", language)
    except ExtensionError as exc:
        raise _LocatedError(str(exc), address, model.name) from None
    declared = meta.references if meta and meta.references else []
    references = tuple(_reference(address, model.name, r, window) for r in declared)
    if window is not None and not references:
        raise _LocatedError("a window needs a reference to apply to", address, model.name)
    return DataField(
        name=model.name,
        data_categories=tuple(model.data_categories or ()),
        data_type=meta.data_type if meta else None,
        primary_key=bool(meta and meta.primary_key),
        identity=_identity(address, model.name, meta.identity if meta else None),
        references=references,
        description=described,
        **extras,
    )


def _identity(address: str, field: str, raw: str | None) -> IdentityType | None:
    if raw is None:
        return None
    try:
        return IdentityType(raw)
    except ValueError:
        known = ", ".join(t.value for t in IdentityType)
        raise _LocatedError(
            f"unknown identity type {raw}; known: {known}", address, field
        ) from None


def _reference(address: str, field: str, ref: Any, window: Any) -> Reference:
    collection, sep, target_field = ref.field.partition(".")
    if not sep:
        raise _LocatedError(f"reference field {ref.field} must be collection.field", address, field)
    direction = Direction(ref.direction.value) if ref.direction else None
    return Reference(FieldAddress(ref.dataset, collection, target_field), direction, window)
