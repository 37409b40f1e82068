#!/usr/bin/env python3
"""Build-time generator of a firmware image's tables (Python 3 standard library only).

Reads the `.fw_decl` records (see firmware/core/decl.h) out of the ELF object files of one
board, then writes:
  * a C++ file with the command dispatch table, the response ids, the static-string table,
    the init/task/shutdown call lists and the zlib-compressed data dictionary;
  * the data dictionary itself (klipper.dict, JSON in Klipper's layout).

Message ids: identify_response is 0 and identify is 1 (the host knows them before it has the
dictionary); the other commands follow in name order, then the other responses. On the wire an
id below 0x80 is one byte, a larger one two bytes; the dictionary lists each id as the VLQ value
of those bytes (so wire ids 96..127 appear as -32..-1), as Klipper's host expects.

usage: fwgen.py --out-cpp gen.cpp --out-dict klipper.dict [--version V] [--compiler CXX]
                [--board NAME] obj1.o obj2.o ...
"""
import argparse
import ast
import json
import operator
import re
import struct
import subprocess
import sys
import zlib

SECTION = ".fw_decl"
STATIC_STRING_MIN = 2
MAX_ARGS = 16  # kMaxCommandArgs in core/command.h
PARAM_TYPES = {"%c", "%hu", "%hi", "%u", "%i", "%*s", "%.*s", "%s"}


def fail(msg):
    sys.stderr.write("fwgen: error: %s\n" % msg)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# ELF reading


def elf_section_data(path, wanted):
    """Contents of every section named `wanted` in an ELF relocatable or executable."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        fail("%s is not an ELF file" % path)
    is64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(endian + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", data, 0x3A)
        hdr = endian + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(endian + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", data, 0x2E)
        hdr = endian + "IIIIIIIIII"
    sections = [struct.unpack_from(hdr, data, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx]
    str_off = strtab[4]
    out = []
    for sec in sections:
        name_off, sh_type, offset, size = sec[0], sec[1], sec[4], sec[5]
        end = data.index(b"\0", str_off + name_off)
        name = data[str_off + name_off:end].decode()
        if name == wanted and sh_type != 8:  # 8 = SHT_NOBITS
            out.append(data[offset:offset + size])
    return out


def read_records(paths):
    records = []
    for path in paths:
        for blob in elf_section_data(path, SECTION):
            for rec in blob.split(b"\0"):
                if rec:
                    records.append((rec.decode("utf-8"), path))
    return records


# ---------------------------------------------------------------------------------------------
# Values

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Div: operator.floordiv,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift,
           ast.BitOr: operator.or_, ast.BitAnd: operator.and_}


def eval_int(text):
    """An integer constant expression as the preprocessor leaves it (1000UL, (1<<8), ...)."""
    clean = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", text.strip())
    clean = re.sub(r"\(\s*(?:unsigned|signed|long|int|uint32_t|int32_t|\s)+\)", "", clean)

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError(text)

    try:
        return ev(ast.parse(clean, mode="eval"))
    except (SyntaxError, ValueError):
        fail("cannot evaluate constant expression '%s'" % text)


def fnv1a(text):
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def dict_msgid(encoded):
    """Encoded wire id -> the number the dictionary lists (VLQ value of the id bytes)."""
    if encoded >= 0x80:
        data = [(encoded >> 7) | 0x80, encoded & 0x7F]
    else:
        data = [encoded]
    c = data[0]
    v = c & 0x7F
    if (c & 0x60) == 0x60:
        v -= 0x80
    for c in data[1:]:
        v = (v << 7) | (c & 0x7F)
    return v


def parse_format(fmt):
    parts = fmt.split()
    params = []
    for p in parts[1:]:
        if "=" not in p:
            fail("bad parameter '%s' in '%s'" % (p, fmt))
        name, ptype = p.split("=", 1)
        if ptype not in PARAM_TYPES:
            fail("bad parameter type '%s' in '%s'" % (ptype, fmt))
        params.append((name, ptype))
    return parts[0], params


# ---------------------------------------------------------------------------------------------


class Declarations:
    def __init__(self):
        self.commands = {}       # name -> (handler, flags, fmt)
        self.responses = {}      # name -> fmt
        self.resp_symbols = {}   # symbol -> fmt
        self.static_strings = []
        self.enums = {}
        self.constants = {}
        self.calls = {"init": [], "task": [], "shutdown": []}

    def add_enum(self, enum, name, value):
        e = self.enums.setdefault(enum, {})
        if name in e and e[name] != value:
            fail("conflicting values for enumeration %s %s" % (enum, name))
        e[name] = value

    def add(self, rec, origin):
        kind, _, rest = rec.partition(" ")
        if kind == "cmd":
            handler, flags, fmt = rest.split(" ", 2)
            name, params = parse_format(fmt)
            old = self.commands.get(name)
            if old and old != (handler, int(flags), fmt):
                fail("command '%s' declared twice (%s)" % (name, origin))
            self.commands[name] = (handler, int(flags), fmt)
        elif kind == "resp":
            symbol, fmt = rest.split(" ", 1)
            name, _ = parse_format(fmt)
            if self.responses.get(name, fmt) != fmt:
                fail("conflicting formats for response '%s'" % name)
            if self.resp_symbols.get(symbol, fmt) != fmt:
                fail("response symbol '%s' used for two formats" % symbol)
            self.responses[name] = fmt
            self.resp_symbols[symbol] = fmt
        elif kind == "str":
            if rest not in self.static_strings:
                self.static_strings.append(rest)
        elif kind == "enum":
            enum, name, value = rest.split(" ", 2)
            self.add_enum(enum, name, eval_int(value))
        elif kind == "enumr":
            enum, name, start, count = rest.split(" ", 3)
            self.add_enum(enum, name, [eval_int(start), eval_int(count)])
        elif kind == "const":
            name, value = rest.split(" ", 1)
            self.set_const(name, eval_int(value))
        elif kind == "conststr":
            name, value = rest.split(" ", 1)
            self.set_const(name, value)
        elif kind == "call":
            lst, prio, func = rest.split(" ", 2)
            if lst not in self.calls:
                fail("unknown call list '%s'" % lst)
            entry = (int(prio), len(self.calls[lst]), func)
            if func not in [f for _, _, f in self.calls[lst]]:
                self.calls[lst].append(entry)
        else:
            fail("unknown record '%s' in %s" % (rec, origin))

    def set_const(self, name, value):
        if name in self.constants and self.constants[name] != value:
            fail("conflicting values for constant %s" % name)
        self.constants[name] = value


def assign_ids(decl):
    if "identify" not in decl.commands or "identify_response" not in decl.responses:
        fail("identify / identify_response are not declared")
    order = ["identify_response", "identify"]
    order += sorted(n for n in decl.commands if n != "identify")
    order += sorted(n for n in decl.responses if n != "identify_response")
    if len(order) >= 1 << 14:
        fail("too many messages")
    return {name: i for i, name in enumerate(order)}


def build_dictionary(decl, ids, version, build_versions):
    static = {s: i + STATIC_STRING_MIN for i, s in enumerate(decl.static_strings)}
    enums = dict(decl.enums)
    if static:
        enums["static_string_id"] = static
    return {
        "app": "Klipper++",
        "build_versions": build_versions,
        "commands": {decl.commands[n][2]: dict_msgid(ids[n]) for n in decl.commands},
        "config": decl.constants,
        "enumerations": enums,
        "responses": {decl.responses[n]: dict_msgid(ids[n]) for n in decl.responses},
        "version": version,
    }


def c_bytes(data, indent="    "):
    lines = []
    for i in range(0, len(data), 16):
        lines.append(indent + " ".join("0x%02x," % b for b in data[i:i + 16]))
    return "\n".join(lines)


def generate_cpp(decl, ids, zdict, board):
    out = ["// Generated by firmware/scripts/fwgen.py%s. Do not edit." % (
        " for board " + board if board else ""),
        '#include "core/board.h"', '#include "core/command.h"', '#include "core/sched.h"', "",
        "namespace fw {", ""]
    handlers = sorted({h for h, _, _ in decl.commands.values()})
    out += ["void %s(uint32_t* args);" % h for h in handlers]
    table_size = max(ids[n] for n in decl.commands) + 1
    by_id = {ids[n]: n for n in decl.commands}
    out += ["", "extern const CommandEntry kCommandTable[] FW_PROGMEM = {"]
    for i in range(table_size):
        name = by_id.get(i)
        if name is None:
            out.append("    {nullptr, 0, 0, 0, 0},")
            continue
        handler, flags, fmt = decl.commands[name]
        _, params = parse_format(fmt)
        mask = 0
        nargs = 0
        for j, (_, ptype) in enumerate(params):
            if ptype.endswith("s"):
                if ptype != "%*s":
                    fail("command '%s': only %%*s buffers can be received" % name)
                mask |= 1 << j
                nargs += 2
            else:
                nargs += 1
        if nargs > MAX_ARGS or len(params) > 16:
            fail("command '%s' has too many parameters" % name)
        out.append("    {%s, 0x%x, %d, %d, %d},  // %d: %s" % (
            handler, mask, len(params), nargs, flags, dict_msgid(i), fmt))
    out += ["};", "extern const uint16_t kCommandTableSize = %d;" % table_size, ""]
    for symbol, fmt in sorted(decl.resp_symbols.items()):
        name = fmt.split()[0]
        out.append("extern const uint16_t fw_msgid_%s = %d;  // %s" % (symbol, ids[name], fmt))
    out += ["", "extern const uint8_t kIdentifyData[] FW_PROGMEM = {", c_bytes(zdict), "};",
            "extern const uint32_t kIdentifySize = %d;" % len(zdict), ""]
    hashes = {}
    for i, s in enumerate(decl.static_strings):
        h = fnv1a(s)
        if h in hashes:
            fail("static string hash collision: '%s' / '%s'" % (s, hashes[h]))
        hashes[h] = s
    out.append("extern const StaticStringEntry kStaticStrings[] FW_PROGMEM = {")
    for i, s in enumerate(decl.static_strings):
        out.append("    {0x%08xu, %d},  // %s" % (fnv1a(s), i + STATIC_STRING_MIN,
                                                 s.replace("\\", "/")))
    if not decl.static_strings:
        out.append("    {0, 0},")
    out += ["};", "extern const uint16_t kStaticStringCount = %d;" % len(decl.static_strings),
            ""]
    funcs = sorted({f for lst in decl.calls.values() for _, _, f in lst})
    out += ["void %s();" % f for f in funcs]
    for lst in ("init", "task", "shutdown"):
        out += ["", "void run_%s_functions() {" % lst]
        for _, _, f in sorted(decl.calls[lst]):
            if lst == "task":
                out.append("  irq_poll();")
            out.append("  %s();" % f)
        if lst == "task":
            out.append("  irq_poll();")
        out.append("}")
    out += ["", "}  // namespace fw", ""]
    return "\n".join(out)


def tool_versions(compiler):
    """'gcc: <version> binutils: <version>' like Klipper's build_versions."""
    if not compiler:
        return ""

    def first_line(cmd):
        try:
            res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 check=False)
            return res.stdout.decode(errors="replace").split("\n")[0]
        except OSError:
            return ""
    gcc = first_line([compiler, "--version"])
    gcc = gcc.split(" ", 1)[1] if " " in gcc else gcc
    binutils = ""
    ld = first_line([compiler, "-print-prog-name=ld"])
    if ld:
        line = first_line([ld, "--version"])
        if line.startswith("GNU "):
            line = line[4:]
        binutils = line.split(" ", 1)[1] if " " in line else line
    return "gcc: %s binutils: %s" % (gcc, binutils)


def git_version(path):
    if not path:
        return ""
    try:
        res = subprocess.run(["git", "-C", path, "describe", "--always", "--tags", "--long",
                              "--dirty"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             check=False)
    except OSError:
        return ""
    return res.stdout.decode(errors="replace").strip() if res.returncode == 0 else ""


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("objects", nargs="+")
    ap.add_argument("--out-cpp", required=True)
    ap.add_argument("--out-dict", required=True)
    ap.add_argument("--version", default="")
    ap.add_argument("--compiler", default="")
    ap.add_argument("--board", default="")
    ap.add_argument("--git-dir", default="", help="take the version from git describe here")
    args = ap.parse_args()

    decl = Declarations()
    for rec, origin in read_records(args.objects):
        decl.add(rec, origin)
    ids = assign_ids(decl)
    version = args.version or git_version(args.git_dir) or "?"
    data = build_dictionary(decl, ids, version, tool_versions(args.compiler))
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    zdict = zlib.compress(text.encode(), 9)
    write_file(args.out_dict, text)
    write_file(args.out_cpp, generate_cpp(decl, ids, zdict, args.board))


if __name__ == "__main__":
    main()
