"""Outputs beyond the crash test: empty windows, the XCom summary, the manifest reader, location errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import PartitionChangedError, read_manifest, read_partition, write_partition
from tests.conftest import partition_folder

WINDOW = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
FOLDER = tuple(partition_folder("genesys", "conversation_details", scope=None).split("/"))  # no org: the writer alone


def source(count: int, tag: str = "r") -> Any:
    def generate() -> Iterator[dict[str, Any]]:
        return iter({"id": f"{tag}{number}"} for number in range(count))

    return generate


def write(out: Path, counts: list[int], output_format: str = "jsonl.gz", tag: str = "r") -> dict[str, Any]:
    return write_partition(
        out.as_uri(),
        vendor="genesys",
        dataset="conversation_details",
        window=WINDOW,
        sources=[source(count, f"{tag}{index}-") for index, count in enumerate(counts)],
        output_format=output_format,
    )


@pytest.mark.parametrize("output_format", ["jsonl.gz", "parquet"])
def test_an_empty_window_writes_a_valid_partition_with_no_parts(tmp_path: Path, output_format: str) -> None:
    if output_format == "parquet":
        pytest.importorskip("pyarrow")
    result = write(tmp_path, [0] * 24, output_format)
    folder = tmp_path.joinpath(*FOLDER)
    assert sorted(path.name for path in folder.iterdir()) == ["_SUCCESS", "_manifest.json"]
    manifest = read_manifest(result)
    assert manifest is not None and manifest["record_count"] == 0 and manifest["files"] == []
    assert list(read_partition(result)) == []
    assert result["file_count"] == 0 and result["record_count"] == 0


def test_empty_sources_write_no_part_and_numbers_follow_the_source(tmp_path: Path) -> None:
    result = write(tmp_path, [3, 0, 0, 2])
    folder = tmp_path.joinpath(*FOLDER)
    assert sorted(path.name for path in folder.iterdir()) == [
        "_SUCCESS",
        "_manifest.json",
        "part-00000.jsonl.gz",
        "part-00003.jsonl.gz",
    ]
    assert [record["id"] for record in read_partition(result)] == ["r0-0", "r0-1", "r0-2", "r3-0", "r3-1"]


def test_the_xcom_summary_does_not_grow_with_the_number_of_parts(tmp_path: Path) -> None:
    one = write(tmp_path / "one", [5])
    many = write(tmp_path / "many", [5] * 400)  # e.g. 400 days of daily parts in one window
    assert set(one) == set(many) and "files" not in many and many["retried_failure_count"] == 0
    assert len(json.dumps(many)) - len(json.dumps(one)) < 20  # only the digits of the counts differ
    assert many["file_count"] == 400 and many["record_count"] == 2000
    manifest = json.loads(Path(many["manifest"].removeprefix("file://")).read_text())
    assert len(manifest["files"]) == 400


def test_a_rerun_with_changed_data_uses_new_names_and_removes_the_old_parts(tmp_path: Path) -> None:
    first = write(tmp_path, [2, 2, 2])
    folder = tmp_path.joinpath(*FOLDER)
    old = {path.name for path in folder.glob("part-*")}
    second = write(tmp_path, [2, 1], tag="r")  # part 0 identical, part 1 changed, part 2 gone
    new = {path.name for path in folder.glob("part-*")}
    assert "part-00000.jsonl.gz" in new and len(new) == 2 and not (new - {"part-00000.jsonl.gz"}) & old
    assert first["record_count"] == 6 and second["record_count"] == 3
    assert sorted(path.name for path in folder.iterdir()) == sorted(new | {"_SUCCESS", "_manifest.json"})


def test_the_manifest_reader_detects_a_changed_file(tmp_path: Path) -> None:
    result = write(tmp_path, [2])
    tmp_path.joinpath(*FOLDER, "part-00000.jsonl.gz").write_bytes(b"edited by hand")
    with pytest.raises(PartitionChangedError, match="SHA-256"):
        list(read_partition(result, verify=True))


def test_a_partition_of_an_earlier_version_gets_its_success_marker(tmp_path: Path) -> None:
    write(tmp_path, [2])
    folder = tmp_path.joinpath(*FOLDER)
    (folder / "_SUCCESS").unlink()  # as 0.1.0 wrote it
    before = (folder / "_manifest.json").read_bytes()
    write(tmp_path, [2])
    assert (folder / "_SUCCESS").exists() and (folder / "_manifest.json").read_bytes() == before


def test_an_output_filesystem_that_is_not_installed_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"pip install apache-airflow-providers-google gcsfs"):
        write_partition("gs://bucket/cc", vendor="genesys", dataset="d", window=WINDOW, sources=[source(1)])
    # s3:// without s3fs, in a fresh interpreter where importing s3fs fails
    code = (
        "import sys; sys.modules['s3fs'] = None\n"
        "from airflow_provider_ccanalytics.core.partitions import Window\n"
        "from airflow_provider_ccanalytics.outputs import write_partition\n"
        "w = Window.of('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')\n"
        "write_partition('s3://bucket/cc', vendor='genesys', dataset='d', window=w, sources=[], conn_id='nope')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "ConfigurationError: output: " in done.stderr
    assert (
        "needs the s3:// filesystem, which is not installed here: pip install 'airflow-provider-ccanalytics[s3]'"
        in (done.stderr)
    )


def test_an_output_path_through_a_file_says_to_point_at_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ConfigurationError, match=r"is a file, so .* cannot be a folder: point output at a folder"):
        write(tmp_path / "a-file" / "out", [1])


def test_an_output_folder_that_is_not_writable_says_so(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:  # root writes anywhere, except in an immutable folder
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(locked)]).returncode:
            pytest.skip("running as root on a filesystem without chattr +i: cannot make a folder unwritable")
    else:
        locked.chmod(0o555)
    try:
        with pytest.raises(ConfigurationError, match=r"is not writable by this worker's user .* give that user write"):
            write(locked / "out", [1])
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        else:
            locked.chmod(0o755)


def test_a_failure_while_publishing_puts_the_previous_partition_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_ccanalytics.outputs.storage import StagedFile

    write(tmp_path, [2, 2])
    folder = tmp_path.joinpath(*FOLDER)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    published = StagedFile.publish
    calls = []

    def publish_then_fail(self: StagedFile) -> None:
        calls.append(self.name)
        if len(calls) == 2:
            raise OSError("disk full (scripted)")
        published(self)

    monkeypatch.setattr(StagedFile, "publish", publish_then_fail)
    # file by file in the folder, as on object stores (POSIX with no atomic folder exchange)
    monkeypatch.setattr("airflow_provider_ccanalytics.outputs.storage.exchange_supported", lambda parent: False)
    with pytest.raises(OSError, match="scripted"):
        write(tmp_path, [3, 3, 3], tag="changed")
    assert len(calls) == 2  # one new part was visible, then taken back
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_a_failure_before_the_folder_swap_leaves_the_previous_partition_and_no_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_ccanalytics.outputs.swap import FolderSwap

    write(tmp_path, [2, 2])
    folder = tmp_path.joinpath(*FOLDER)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def fail(self: FolderSwap) -> None:
        raise OSError("disk full (scripted)")

    monkeypatch.setattr(FolderSwap, "swap_in", fail)
    with pytest.raises(OSError, match="scripted"):
        write(tmp_path, [3, 3, 3], tag="changed")
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert sorted(path.name for path in folder.parent.iterdir()) == [folder.name]  # no hidden staging folder


@pytest.mark.parametrize(
    ("output_format", "blocked", "extra"), [("parquet", "pyarrow", "parquet"), ("delta", "deltalake", "delta")]
)
def test_a_missing_extra_fails_when_the_operator_is_built_not_when_it_runs(
    output_format: str, blocked: str, extra: str
) -> None:
    """In a fresh interpreter where the format's module cannot be imported: the DAG fails at parse time."""
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator\n"
        f"GenesysConversationDetailsOperator(task_id='x', output='file:///tmp/x', output_format={output_format!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"{output_format} needs {blocked}, which is not installed" in done.stderr
    assert f"pip install 'airflow-provider-ccanalytics[{extra}]'" in done.stderr
    # XCom output needs no file format module: the same operator builds without output
    ok = code.replace("output='file:///tmp/x', ", "").replace(f"output_format={output_format!r}", "")
    assert subprocess.run([sys.executable, "-c", ok], capture_output=True, text=True, timeout=300).returncode == 0
