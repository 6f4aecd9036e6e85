#!/usr/bin/env python3
"""Reference counts for the text captures in tests/fixtures/ftrace.

A second reading of the same formats, written apart from vflowd's importer
(user/source/) and sharing none of its code or tables: it finds each line's
timestamp, task, CPU and event with regular expressions taken from the
formats' own definitions (ftrace's trace output, trace-cmd report, perf
script's -F fields, perf-prof's trace), pairs every kvm_exit with the next
kvm_entry of its stream, and prints, as one JSON object:

  exits, pairs (exits timed by an entry), total_ns and mean_ns over the
  pairs, unknown (exits whose line names no reason), keys (the key that
  paired each event: thread, cpu, comm, vcpu, none) and reasons
  ("kind name" -> [timed, untimed, total_ns]), the names as today's kernel
  prints them.

The pairing rule is the one docs/vflowd.md states: a stream is the thread
when the line names one, else its CPU, else its comm, else the vcpu field,
else the whole capture; an entry with a vcpu finds an exit of a line that
named nothing in the last stream; an entry of another vCPU than the
pending exit's loses that exit.

usage: import_reference.py CAPTURE
"""
import json
import re
import sys

NS = 10**9

# "<sec>.<frac>: [system:]event[: fields]" after a blank or the line start
EVENT = re.compile(r"(?:^|(?<=\s))(\d{1,10})\.(\d{1,9}):\s*(?:[A-Za-z0-9_]+:(?=[A-Za-z0-9_]))?"
                   r"([A-Za-z0-9_]+)(?::\s*(.*)|$)")
WALLCLOCK = re.compile(r"^\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\s+")
CPU = re.compile(r"(?:^|\s)\[(\d+|-+)\](?=\s|$)")
FLAGS = re.compile(r"^[.dDXbBNnpPhHsSzZ0-9]{1,8}$")
HEADER = re.compile(r"^\s*(#|version = |cpus=\d+\s*$|CPU \d+ is empty\s*$)")
LOST = re.compile(r"\[LOST \d+ EVENTS\]")

# Reason text -> (kind, today's name). Today's names are the kernel's own
# tables (kvm_exit's format file, 6.18); the others, the names older
# kernels and libtraceevent's kvm plugin printed for the same exits, as
# the fixtures use them. A name not here fails the run: add it.
REASONS = {
    # VMX, today (upper case)
    **{n: ("vmx", n) for n in (
        "EXCEPTION_NMI", "EXTERNAL_INTERRUPT", "TRIPLE_FAULT", "INTERRUPT_WINDOW", "CPUID",
        "HLT", "IO_INSTRUCTION", "MSR_READ", "MSR_WRITE", "EPT_VIOLATION", "EPT_MISCONFIG",
        "PREEMPTION_TIMER", "PAUSE_INSTRUCTION", "VMCALL", "INVALID_STATE", "APIC_ACCESS",
        "TPR_BELOW_THRESHOLD", "CR_ACCESS")},
    "INVALID_STATE FAILED_VMENTRY": ("vmx", "INVALID_STATE FAILED_VMENTRY"),
    # VMX, 3.x to 5.5 uapi
    "PENDING_INTERRUPT": ("vmx", "INTERRUPT_WINDOW"),
    # VMX, 2.6.3x vmx_exit_reasons_str
    "apic_access": ("vmx", "APIC_ACCESS"), "ext_irq": ("vmx", "EXTERNAL_INTERRUPT"),
    "wrmsr": ("vmx", "MSR_WRITE"), "io_instruction": ("vmx", "IO_INSTRUCTION"),
    "halt": ("vmx", "HLT"), "cr_access": ("vmx", "CR_ACCESS"),
    "interrupt_window": ("vmx", "INTERRUPT_WINDOW"), "ept_violation": ("vmx", "EPT_VIOLATION"),
    "exception": ("vmx", "EXCEPTION_NMI"), "tpr_below_thres": ("vmx", "TPR_BELOW_THRESHOLD"),
    # SVM, today (lower case)
    **{n: ("svm", n) for n in (
        "vintr", "npf", "io", "msr", "hlt", "interrupt", "PF excp", "GP excp", "DE excp",
        "idle-halt")},
    # SVM, the kvm plugin: svm.h's constant names
    "EXIT_MSR": ("svm", "msr"), "EXIT_EXCP_GP": ("svm", "GP excp"), "EXIT_IOIO": ("svm", "io"),
    "EXIT_NPF": ("svm", "npf"), "EXIT_VMMCALL": ("svm", "hypercall"), "EXIT_HLT": ("svm", "hlt"),
    "EXIT_INTR": ("svm", "interrupt"), "EXIT_VINTR": ("svm", "vintr"),
}
# 2.6.3x names that VMX and SVM both printed: the capture's isa decides
BOTH = {"cpuid": ("CPUID", "cpuid"), "hypercall": ("VMCALL", "hypercall")}
# numbers some fixtures print instead of a name: (isa, number) -> today's name
NUMBERS = {("vmx", 0x80000021): "INVALID_STATE FAILED_VMENTRY", ("svm", 0xa6): "idle-halt"}
# reason texts no kernel printed (tests/fixtures/ftrace/malformed.txt): still exits
UNPRINTED = {"FOO_BAR", "hlt FAILED_VMENTRY"}
# the events that annotate an exit, and the field each must carry to be taken
ANNOTATIONS = {"kvm_hypercall": "nr", "kvm_xen_hypercall": "nr", "kvm_hv_hypercall": "code",
               "kvm_pio": "at", "kvm_mmio": "gpa", "kvm_fast_mmio": "gpa"}
VCPU_MAX = 2**32 - 1


def parse_task(prefix):
    """The thread, its tgid, comm and CPU in front of the timestamp."""
    prefix = WALLCLOCK.sub("", prefix).rstrip()
    cpu = None
    cpus = list(CPU.finditer(prefix))
    if cpus:
        m = cpus[-1]
        rest = prefix[m.end():].strip()
        if rest and not FLAGS.match(rest):
            raise ValueError("text between the CPU and the time: %r" % rest)
        if m.group(1).isdigit():
            cpu = int(m.group(1))
        prefix = prefix[:m.start()].rstrip()
    # perf-prof: "comm tid flags"
    m = re.match(r"^(.*\d)\s+(\S+)$", prefix)
    if m and FLAGS.match(m.group(2)) and not m.group(2).isdigit():
        prefix = m.group(1)
    tid = tgid = None
    m = re.match(r"^(.*?)\s*\(\s*(\d+|-+)\)$", prefix)
    if m:
        prefix, tgid = m.group(1), int(m.group(2)) if m.group(2).isdigit() else None
    for pattern in (r"^(.*?)\s*(\d+)/(\d+)$", r"^(.*)-(\d+)$", r"^(.*\S)\s+(\d+)$", r"^()(\d+)$"):
        m = re.match(pattern, prefix)
        if m:
            if m.lastindex == 3:
                prefix, tgid, tid = m.group(1), int(m.group(2)), int(m.group(3))
            else:
                prefix, tid = m.group(1), int(m.group(2))
            break
    comm = prefix.strip() or None
    if comm == "<...>":
        comm = None
    return tid, tgid, comm, cpu


def field(args, key):
    """A decimal field, None if absent or no 32-bit number (the kernel's vcpu_id)."""
    m = re.search(r"(?:^|\s)%s (\d+)(?![\w])" % key, args)
    return int(m.group(1)) if m and int(m.group(1)) <= VCPU_MAX else None


def taken(event, args):
    """Whether an annotation or user-space exit line carries what it must."""
    if event == "kvm_userspace_exit":
        return re.match(r"^reason \S+ \(\d+\)", args) is not None
    return re.search(r"(?:^|\s)%s [0-9a-fA-F]" % ANNOTATIONS[event], args) is not None


def reason_of(args):
    """(kind, name) of a kvm_exit's reason: kind None when the capture must decide."""
    m = re.search(r"(?:^|\s)reason (.*?)(?: rip |$)", args)
    if not m:
        return ("vmexit", "unknown")
    text = m.group(1).strip()
    if text in REASONS:
        return REASONS[text]
    if text in UNPRINTED:
        return ("vmexit", "unknown")
    if text in BOTH:
        modern = field(args, "vcpu") is not None or re.search(r"(?:^|\s)info1 ", args)
        return ("svm", BOTH[text][1]) if modern else (None, text)
    m = re.match(r"^(?:0x([0-9a-f]+)|UNKNOWN \((\d+)\))$", text)
    if m:
        return (None, int(m.group(1), 16) if m.group(1) else int(m.group(2)))
    raise KeyError("reason %r is not in this reference's tables: add it" % text)


def key_of(tid, cpu, comm, vcpu):
    if tid is not None:
        return ("thread", tid)
    if cpu is not None:
        return ("cpu", cpu)
    if comm:
        return ("comm", comm)
    if vcpu is not None:
        return ("vcpu", vcpu)
    return ("none", 0)


def main(path):
    streams, exits, keys = {}, [], {}
    for raw in open(path, encoding="utf-8", errors="replace"):
        line = raw.rstrip("\r\n")
        if not line.strip() or HEADER.match(line) or LOST.search(line):
            continue
        m = EVENT.search(line)
        if not m:
            continue
        ts = int(m.group(1)) * NS + int(m.group(2).ljust(9, "0"))
        event, args = m.group(3), m.group(4) or ""
        if event not in ("kvm_exit", "kvm_entry", "kvm_userspace_exit") and \
           event not in ANNOTATIONS:
            continue
        try:
            tid, tgid, comm, cpu = parse_task(line[:m.start()])
        except ValueError:
            continue
        vcpu = field(args, "vcpu")
        if event not in ("kvm_exit", "kvm_entry"):
            # taken when well formed; they annotate exits, they do not pair them
            if taken(event, args):
                k = key_of(tid, cpu, comm, None)
                keys[k[0]] = keys.get(k[0], 0) + 1
            continue
        k = key_of(tid, cpu, comm, vcpu)
        keys[k[0]] = keys.get(k[0], 0) + 1
        s = streams.setdefault(k, {"pending": None, "vcpu": None})
        if event == "kvm_exit":
            if s["pending"]:
                s["pending"]["timed"] = None
            kind, name = reason_of(args)
            ex = {"kind": kind, "name": name, "ts": ts, "timed": None,
                  "vcpu_given": vcpu is not None,
                  "vcpu": vcpu if vcpu is not None else (s["vcpu"] or 0)}
            exits.append(ex)
            s["pending"] = ex
            continue
        # kvm_entry
        if not s["pending"] and vcpu is not None and k[0] == "vcpu":
            none = streams.get(("none", 0))
            if none and none["pending"]:
                s = none
        ex = s["pending"]
        if ex and vcpu is not None and ex["vcpu_given"] and ex["vcpu"] != vcpu:
            s["pending"] = ex = None
        if vcpu is not None:
            s["vcpu"] = vcpu
        if ex:
            ex["timed"] = max(ts - ex["ts"], 0)
            s["pending"] = None
    # the capture's isa: that of the exits named for one isa only
    isas = {e["kind"] for e in exits if e["kind"] in ("vmx", "svm")}
    isa = isas.pop() if len(isas) == 1 else None
    reasons = {}
    for e in exits:
        kind, name = e["kind"], e["name"]
        if kind is None and isa:
            kind = isa
            name = NUMBERS.get((isa, name), "reason_0x%x" % name) if isinstance(name, int) \
                else BOTH[name][0 if isa == "vmx" else 1]
        elif kind is None:
            kind = "vmexit"
            name = "reason_0x%x" % name if isinstance(name, int) else name
        r = reasons.setdefault("%s %s" % (kind, name), [0, 0, 0])
        if e["timed"] is None:
            r[1] += 1
        else:
            r[0] += 1
            r[2] += e["timed"]
    pairs = sum(1 for e in exits if e["timed"] is not None)
    total = sum(e["timed"] for e in exits if e["timed"] is not None)
    print(json.dumps({"exits": len(exits), "pairs": pairs, "total_ns": total,
                      "mean_ns": total / pairs if pairs else 0,
                      "unknown": sum(1 for e in exits if e["name"] == "unknown"),
                      "keys": keys, "reasons": reasons}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
