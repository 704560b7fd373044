"""``changed`` on the demo's planted faults: a version two events claim is said (both events
named, the changes theirs together, each traced to the events that changed it, and each event's
own changes; the duplicate-version warning in text and JSON as replay and diff give it), and an event whose payload cannot be read is said to exist and be
unreadable, not to be missing."""

from __future__ import annotations

import json

from inspector.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_version_claimed_by_two_events_names_both_and_warns(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.duplicate_version
    code, out, err = run(capsys, "changed", str(demo_store_path), stream, str(version))
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == f"{stream} v{version}: 2 events claim this version, projector job"
    assert lines[1].startswith("  position ") and "JobAssigned" in lines[1]
    assert lines[2].startswith("  position ") and "JobCompleted" in lines[2]
    assert "(made by the events together, applied in position order)" in lines[3]
    assert f"warning: v{version} is claimed by two events" in err


def test_the_json_of_a_shared_version_lists_both_events_and_the_warning(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.duplicate_version
    code, out, _ = run(capsys, "changed", str(demo_store_path), stream, str(version), "--json")
    answer = json.loads(out)
    assert code == 0
    assert [event["type"] for event in answer["events"]] == ["JobAssigned", "JobCompleted"]
    assert answer["events"][0]["position"] < answer["events"][1]["position"]
    assert answer["warnings"] and answer["warnings"][0].startswith(f"v{version} is claimed by two events")
    assert answer["shared"].startswith(f"v{version} is claimed by 2 events: JobAssigned (position ")
    replayed = run(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", f"v{version}", "--json")
    assert answer["warnings"] == json.loads(replayed[1])["warnings"]


def test_each_event_of_a_shared_version_gets_its_own_changes(demo_store_path, demo_planted, capsys):
    """JobAssigned set the status to assigned and named the worker; JobCompleted then set it to
    completed and added the rating: together status went posted -> completed."""
    stream, version = demo_planted.duplicate_version
    code, out, _ = run(capsys, "changed", str(demo_store_path), stream, str(version), "--json")
    answer = json.loads(out)
    assigned, completed = (event["position"] for event in answer["events"])
    assert code == 0
    assert [(step["position"], step["type"]) for step in answer["by_event"]] == [
        (assigned, "JobAssigned"), (completed, "JobCompleted")]
    own = {step["type"]: {change["path"]: (change["op"], change["before"], change["after"])
                          for change in step["changes"]} for step in answer["by_event"]}
    assert own["JobAssigned"]["/status"] == ("change", "posted", "assigned")
    assert own["JobAssigned"]["/worker"][0] == "add" and "/rating" not in own["JobAssigned"]
    assert own["JobCompleted"]["/status"] == ("change", "assigned", "completed")
    assert own["JobCompleted"]["/rating"] == ("add", None, 3) and "/worker" not in own["JobCompleted"]
    traced = {change["path"]: change["changed_by"] for change in answer["changes"]}
    assert traced == {"/status": [assigned, completed], "/worker": [assigned], "/rating": [completed]}

    code, out, _ = run(capsys, "changed", str(demo_store_path), stream, str(version))
    lines = out.splitlines()
    assert code == 0
    assert next(line for line in lines if line.startswith("/worker")).endswith(f" {assigned}")
    assert next(line for line in lines if line.startswith("/status")).endswith(f" {assigned}, {completed}")
    assigned_at = lines.index(f"position {assigned} (JobAssigned) on its own: 2 changes")
    completed_at = lines.index(f"position {completed} (JobCompleted) on its own: 2 changes")
    assert assigned_at < completed_at
    assert [line.split()[:2] for line in lines[assigned_at + 3:completed_at - 1]] == [
        ["/status", "change"], ["/worker", "add"]]
    assert lines[completed_at + 3].split() == ["/status", "change", '"assigned"', '"completed"']
    assert lines[completed_at + 4].split() == ["/rating", "add", "3"]


def test_a_version_one_event_claims_has_the_same_json_shape_naming_that_event(demo_store_path, demo_planted,
                                                                              capsys):
    stream, version = demo_planted.duplicate_version
    code, out, _ = run(capsys, "changed", str(demo_store_path), stream, str(version - 1), "--json")
    answer = json.loads(out)
    position = answer["event"]["position"]
    assert code == 0 and answer["shared"] is None and answer["changes"]
    assert [change["changed_by"] for change in answer["changes"]] == [[position]] * len(answer["changes"])
    assert [(step["position"], step["type"], step["problem"]) for step in answer["by_event"]] == [
        (position, answer["event"]["type"], None)]
    assert answer["by_event"][0]["changes"] == [
        {key: change[key] for key in ("path", "op", "before", "after")} for change in answer["changes"]]
    # the text form stays one table: no per-event tables for a version one event owns
    code, out, _ = run(capsys, "changed", str(demo_store_path), stream, str(version - 1))
    assert code == 0 and "on its own" not in out and "changed by (position)" not in out


def test_an_event_with_an_unreadable_payload_is_said_to_exist(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.undecodable_payload
    code, out, err = run(capsys, "changed", str(demo_store_path), stream, str(version))
    assert code == 1
    assert out.startswith(f"{stream} v{version}: JobPosted at ")
    assert err.startswith(f"event-inspector: error: the event at v{version} (JobPosted, position ")
    assert "exists but its payload cannot be read: malformed JSON" in err and "has no event" not in err


def test_a_later_event_names_the_unreadable_one_before_it(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.undecodable_payload
    code, out, err = run(capsys, "changed", str(demo_store_path), stream, str(version + 1), "--json")
    answer = json.loads(out)
    assert code == 1 and answer["event"] is not None and answer["event"]["problem"] is None
    assert answer["problem"].startswith(f"the event at v{version} (JobPosted, position ")
    assert "before this one, exists but its payload cannot be read" in answer["problem"]


def test_a_version_the_stream_lacks_is_still_missing(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.version_gap
    code, out, err = run(capsys, "changed", str(demo_store_path), stream, str(version))
    assert code == 1 and out == ""
    assert err.startswith(f"event-inspector: error: stream '{stream}' has no event at v{version}")


def test_each_events_own_changes_are_the_same_from_a_worker_process(demo_store_path, demo_planted, capsys):
    from inspector.replay import worker

    stream, version = demo_planted.duplicate_version
    try:
        here = json.loads(run(capsys, "changed", str(demo_store_path), stream, str(version), "--json")[1])
        # a time limit runs the replays (and the per-event folds) in a worker process
        there = json.loads(run(capsys, "changed", str(demo_store_path), stream, str(version), "--json",
                               "--time-limit", "120")[1])
    finally:
        worker.shutdown()
    assert there["by_event"] == here["by_event"] and len(here["by_event"]) == 2
    assert there["changes"] == here["changes"]
