"""What a workbook says about itself: our template marker (kind and version, kept as custom
document properties, which LibreOffice carries over into an .ods), and where its sheets are."""

from __future__ import annotations

import zipfile

from defusedxml import ElementTree

MARKER_KIND = "branchflow_kind"
MARKER_VERSION = "branchflow_version"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
MAX_PROPERTIES_BYTES = 1 << 20


def read_marker(archive: zipfile.ZipFile) -> tuple[str, int | None] | None:
    """The template kind and version our generator stores as custom document properties."""
    props = _custom(archive) or _ods_user_defined(archive)
    kind = props.get(MARKER_KIND)
    if not kind:
        return None
    version = props.get(MARKER_VERSION, "")
    return kind, int(version) if version.isdigit() else None


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= MAX_PROPERTIES_BYTES else None


def _custom(archive: zipfile.ZipFile) -> dict[str, str]:
    xml = _small_part(archive, "docProps/custom.xml")
    props: dict[str, str] = {}
    if xml is None:
        return props
    for prop in ElementTree.fromstring(xml):
        value = next(iter(prop), None)
        props[prop.get("name", "")] = (value.text or "").strip() if value is not None else ""
    return props


def _ods_user_defined(archive: zipfile.ZipFile) -> dict[str, str]:
    xml = _small_part(archive, "meta.xml")
    if xml is None:
        return {}
    return {
        item.get(f"{_NS_META}name", ""): (item.text or "").strip()
        for item in ElementTree.fromstring(xml).iter(f"{_NS_META}user-defined")
    }


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its worksheet part inside an .xlsx."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG_REL}Relationship")
    }
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        parts[sheet.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return parts
