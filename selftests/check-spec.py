#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that Documentation/netlink/specs/stratos.yaml and the UAPI header
include/uapi/linux/stratos.h describe the same API.

Every name the spec implies (commands, attributes, enum and flag values,
constants) must exist in the header with the value the spec gives it, and
every enumerator of the header must be implied by the spec. The header's
values are taken from the C compiler, not from parsing, so they are exact.
Prints TAP; exits non-zero on any mismatch.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(TOP, "Documentation/netlink/specs/stratos.yaml")
HEADER = os.path.join(TOP, "include/uapi/linux/stratos.h")


def c_name(*parts):
    return "_".join(p.replace("-", "_").upper() for p in parts if p)


def expected_names(spec):
    """Map of header name -> value the spec implies."""
    want = {}
    consts = {}
    for d in spec["definitions"]:
        if d["type"] == "const":
            want[c_name("stratos", d["name"])] = d["value"]
            consts[d["name"]] = d["value"]
        elif d["type"] == "enum":
            prefix = {"del-reason": "stratos_del"}.get(d["name"],
                                                      "stratos_" + d["name"])
            for i, e in enumerate(d["entries"]):
                want[c_name(prefix, e["name"])] = i
        elif d["type"] == "flags":
            prefix = {"cgroup-flags": "stratos_cgroup_f"}.get(
                d["name"], "stratos_" + d["name"])
            for i, e in enumerate(d["entries"]):
                name = e if isinstance(e, str) else e["name"]
                want[c_name(prefix, name)] = 1 << i
    for aset in spec["attribute-sets"]:
        for i, a in enumerate(aset["attributes"], start=1):
            want[c_name("stratos_a", aset["name"], a["name"])] = i
    for i, op in enumerate(spec["operations"]["list"], start=1):
        want[c_name("stratos_cmd", op["name"])] = i
    return want, consts


def header_values(names):
    """Ask the compiler for the value of each name in the header."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "v.c")
        exe = os.path.join(tmp, "v")
        with open(src, "w") as f:
            f.write('#include <stdio.h>\n#include "%s"\nint main(void)\n{\n'
                    % HEADER)
            for n in names:
                f.write('#ifdef %s\n' % n)
                f.write('\tprintf("%s %%lld\\n", (long long)(%s));\n' % (n, n))
                f.write('#else\n')
                f.write('\tprintf("%s %%lld\\n", (long long)%s);\n' % (n, n))
                f.write('#endif\n')
            f.write("\treturn 0;\n}\n")
        cc = subprocess.run(["cc", "-o", exe, src], capture_output=True,
                            text=True)
        if cc.returncode:
            return None, cc.stderr
        out = subprocess.run([exe], capture_output=True, text=True).stdout
    return dict((l.split()[0], int(l.split()[1])) for l in out.splitlines()), ""


def header_enumerators():
    text = open(HEADER).read()
    names = set()
    for body in re.findall(r"enum\s+\w+\s*{([^}]*)}", text):
        for m in re.finditer(r"^\s*([A-Z][A-Z0-9_]+)", body, re.M):
            # Zero placeholders are implicit in YNL specs.
            if not m.group(1).startswith("__") and \
               not m.group(1).endswith("_UNSPEC"):
                names.add(m.group(1))
    return names


def main():
    spec = yaml.safe_load(open(SPEC))
    want, consts = expected_names(spec)
    tests = []

    def check(name, ok, diag=""):
        tests.append((name, ok, diag))

    check("spec: family name", spec["name"] == "stratos")
    got, err = header_values(sorted(want))
    if got is None:
        check("spec: every spec name exists in the header", False, err)
    else:
        bad = ["%s: spec %d, header %d" % (n, v, got[n])
               for n, v in want.items() if got[n] != v]
        check("spec: header values match the spec", not bad, "\n".join(bad))

    extra = header_enumerators() - set(want)
    check("spec: every header enumerator is in the spec", not extra,
          "not in the spec: " + ", ".join(sorted(extra)))

    mcgrps = [g["name"] for g in spec["mcast-groups"]["list"]]
    hdr = open(HEADER).read()
    check("spec: multicast group matches",
          mcgrps == ["events"] and '"events"' in hdr)

    # The policy bounds the spec documents are the ones the module enforces.
    weight = [a for s in spec["attribute-sets"] if s["name"] == "cgroup"
              for a in s["attributes"] if a["name"] == "weight"][0]
    check("spec: weight bounds are the named constants",
          weight["checks"] == {"min": "weight-min", "max": "weight-max"}
          and consts["weight-min"] >= 1)

    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, ok, diag) in enumerate(tests, start=1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in diag.splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
