"""Comparing two versions of a map (compare.py is a pure function: no database needed)."""

from __future__ import annotations

from lxml import etree

from tkpk.processes.compare import process_compare
from tkpk.processes.engine import parse_bpmn
from tkpk.processes.services import BPMN_DIR

RAT = "TKPK-01.02.CFM.01"
RAT_XML = (BPMN_DIR / f"{RAT}.bpmn").read_text(encoding="utf-8")
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
}
RENAMED_TASK = "Task_RAT_03_RancAwal"
RENAMED_TO = "Menyusun Rancangan Awal RAT bersama Perangkat Daerah"
ADDED_TASK = "Task_RAT_11_Arsip"
ADDED_NAME = "Mengarsipkan Dokumen RAT"
REMOVED_FLOW = "Flow_RAT_10"  # the gateway's "Tidak" path back to the final draft


def qname(prefix: str, local: str) -> str:
    return str(etree.QName(NS[prefix], local))


def rat_edited_xml() -> str:
    """The shipped RAT map with one task renamed, one task added and one flow removed."""
    root = etree.fromstring(RAT_XML.encode())
    process = root.find("bpmn:process", NS)
    renamed = process.find(f"bpmn:userTask[@id='{RENAMED_TASK}']", NS)
    renamed.set("name", RENAMED_TO)

    flow = process.find(f"bpmn:sequenceFlow[@id='{REMOVED_FLOW}']", NS)
    process.remove(flow)
    for ref in process.xpath(".//bpmn:incoming|.//bpmn:outgoing", namespaces=NS):
        if ref.text == REMOVED_FLOW:
            ref.getparent().remove(ref)
    edge = root.find(f".//bpmndi:BPMNEdge[@bpmnElement='{REMOVED_FLOW}']", NS)
    edge.getparent().remove(edge)

    task = etree.SubElement(process, qname("bpmn", "userTask"), id=ADDED_TASK, name=ADDED_NAME)
    etree.SubElement(task, qname("bpmn", "documentation")).text = "Sekretariat mengarsipkan RAT."
    lane = process.find(".//bpmn:lane[@name='Sekretariat TKPK']", NS)
    etree.SubElement(lane, qname("bpmn", "flowNodeRef")).text = ADDED_TASK
    plane = root.find(".//bpmndi:BPMNPlane", NS)
    shape = etree.SubElement(
        plane, qname("bpmndi", "BPMNShape"), id=f"{ADDED_TASK}_di", bpmnElement=ADDED_TASK
    )
    etree.SubElement(shape, qname("dc", "Bounds"), x="1570", y="565", width="100", height="80")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def test_a_known_edit_is_listed_as_one_rename_one_added_task_and_one_removed_flow() -> None:
    old, _ = parse_bpmn(RAT_XML)
    new, _ = parse_bpmn(rat_edited_xml())

    diff = process_compare(old, new)

    assert [a.id for a in diff.added_activities] == [ADDED_TASK]
    assert diff.added_activities[0].name == ADDED_NAME
    assert diff.added_activities[0].lane == "Sekretariat TKPK"
    assert diff.removed_activities == []
    assert [c.id for c in diff.changed_activities] == [RENAMED_TASK]
    (rename,) = diff.changed_activities[0].changes
    assert (rename.field, rename.old, rename.new) == (
        "name",
        "Menyusun Rancangan Awal RAT",
        RENAMED_TO,
    )
    assert [f.id for f in diff.removed_flows] == [REMOVED_FLOW]
    removed = diff.removed_flows[0]
    assert (removed.source, removed.target) == ("Gateway_RAT_Approve", "Task_RAT_06_RancAkhir")
    assert removed.condition == 'decision == "return"'
    assert diff.added_flows == [] and diff.changed_flows == []
    assert diff.added_lanes == [] and diff.removed_lanes == []
    assert not diff.is_empty


def test_the_same_map_twice_has_no_differences() -> None:
    old, _ = parse_bpmn(RAT_XML)
    new, _ = parse_bpmn(RAT_XML)
    assert process_compare(old, new).is_empty


def test_comparing_backwards_swaps_added_and_removed() -> None:
    old, _ = parse_bpmn(RAT_XML)
    new, _ = parse_bpmn(rat_edited_xml())

    diff = process_compare(new, old)

    assert [a.id for a in diff.removed_activities] == [ADDED_TASK]
    assert [f.id for f in diff.added_flows] == [REMOVED_FLOW]
    assert diff.changed_activities[0].changes[0].new == "Menyusun Rancangan Awal RAT"


def test_lane_kind_documentation_property_and_flow_changes_are_each_reported() -> None:
    root = etree.fromstring(RAT_XML.encode())
    task = root.find(".//bpmn:userTask[@id='Task_RAT_10_Publikasi']", NS)
    task.find("bpmn:documentation", NS).text = "Dokumentasi baru."
    waktu = task.find(".//{*}property[@name='waktu']")
    waktu.set("value", "7 hari kerja")
    task.tag = qname("bpmn", "manualTask")
    ketua = root.find(".//bpmn:lane[@name='Ketua TKPK']", NS)
    ketua.set("name", "Ketua TKPK Provinsi")
    flow = root.find(".//bpmn:sequenceFlow[@id='Flow_RAT_09']", NS)
    flow.find("bpmn:conditionExpression", NS).text = 'decision != "return"'
    old, _ = parse_bpmn(RAT_XML)
    new, _ = parse_bpmn(etree.tostring(root))

    diff = process_compare(old, new)

    assert diff.added_lanes == ["Ketua TKPK Provinsi"]
    assert diff.removed_lanes == ["Ketua TKPK"]
    changed = {c.id: {f.field: (f.old, f.new) for f in c.changes} for c in diff.changed_activities}
    assert changed["Task_RAT_10_Publikasi"] == {
        "kind": ("userTask", "manualTask"),
        "documentation": (
            old.activities[
                [a.id for a in old.activities].index("Task_RAT_10_Publikasi")
            ].documentation,
            "Dokumentasi baru.",
        ),
        "property:waktu": ("3 hari kerja", "7 hari kerja"),
    }
    # Every step of the Ketua lane moved lane (its name changed).
    assert changed["Task_RAT_07_Setujui"] == {"lane": ("Ketua TKPK", "Ketua TKPK Provinsi")}
    assert [(c.id, [f.field for f in c.changes]) for c in diff.changed_flows] == [
        ("Flow_RAT_09", ["condition"])
    ]
    markers = diff.markers()
    assert "Task_RAT_10_Publikasi" in markers["a"]["changed"]
    assert "Flow_RAT_09" in markers["b"]["changed"]
    assert markers["b"]["added_lanes"] == ["Ketua TKPK Provinsi"]
    assert markers["a"]["removed_lanes"] == ["Ketua TKPK"]
