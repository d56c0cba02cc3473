#!/usr/bin/env python3
"""Counts GoogleTest cases from the XML reports in the given directories and prints 'N passed, N failed'.

Usage: count_tests.py RUNNER_STATUS DIR... Exits 1 if any case failed, if no case ran, or if
the runner failed (a crashed binary leaves no report, so the runner's status counts too)."""
import pathlib
import sys
import xml.etree.ElementTree as ET

runner_status = int(sys.argv[1])
report_dirs = [pathlib.Path(d) for d in sys.argv[2:]]
passed = failed = skipped = 0
for report in sorted(r for d in report_dirs for r in d.glob("*.xml")):
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError as e:
        print(f"unreadable report {report}: {e}", file=sys.stderr)
        failed += 1
        continue
    for case in root.iter("testcase"):
        if case.get("status") == "notrun":
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "skipped":
            skipped += 1
        else:
            passed += 1
if runner_status != 0 and failed == 0:
    # A binary crashed or timed out before writing its report: count it as one failure.
    failed = 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
