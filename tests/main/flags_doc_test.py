#!/usr/bin/env python3
"""docs/flags.md lists exactly the flags each binary's -help prints.

For the two servers, whose -help is grouped (Network:, Files:, ...), the
group of every flag must match too; for the clients, the set of flags.
    flags_doc_test.py DOCS_FLAGS_MD NAME=BINARY [NAME=BINARY ...]
"""
import re
import subprocess
import sys


def help_flags(binary):
    out = subprocess.run([binary, "-help"], capture_output=True, text=True, timeout=30).stdout
    group, flags = "", {}
    for line in out.splitlines():
        if re.fullmatch(r"[A-Z][A-Za-z ]*:", line) and not line.startswith("Usage"):
            group = line[:-1]
        m = re.match(r"^  -([a-z0-9-]+)", line)
        if m:
            flags[m.group(1)] = group
    return flags


def doc_flags(path):
    docs, binary, group = {}, None, ""
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            binary, group = line[3:].strip(), ""
            docs[binary] = {}
        elif line.startswith("### "):
            group = line[4:].strip()
        elif binary is not None:
            m = re.match(r"^\| `-([a-z0-9-]+)`", line)
            if m:
                if m.group(1) in docs[binary]:
                    print(f"FAIL: {binary}: -{m.group(1)} is listed twice in {path}")
                    docs[binary]["__dup__"] = ""
                docs[binary][m.group(1)] = group
    return docs


def main():
    docs = doc_flags(sys.argv[1])
    failed = False
    for pair in sys.argv[2:]:
        name, binary = pair.split("=", 1)
        have = help_flags(binary)
        documented = docs.get(name)
        if not have:
            print(f"FAIL: {name} -help lists no flag")
            failed = True
            continue
        if documented is None:
            print(f"FAIL: {sys.argv[1]} has no '## {name}' section")
            failed = True
            continue
        grouped = any(have.values())
        for flag in sorted(set(have) - set(documented)):
            print(f"FAIL: {name}: -{flag} is in -help but not in {sys.argv[1]}")
            failed = True
        for flag in sorted(set(documented) - set(have) - {"__dup__"}):
            print(f"FAIL: {name}: -{flag} is in {sys.argv[1]} but not in -help")
            failed = True
        if "__dup__" in documented:
            failed = True
        if grouped:
            for flag in sorted(set(have) & set(documented)):
                if have[flag] != documented[flag]:
                    print(f"FAIL: {name}: -{flag} is under '{have[flag]}' in -help, "
                          f"'{documented[flag]}' in {sys.argv[1]}")
                    failed = True
        print(f"{name}: {len(have)} flags in -help" + (" (grouped)" if grouped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
