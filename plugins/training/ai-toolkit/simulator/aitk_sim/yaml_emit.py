"""A small YAML emitter that writes what PyYAML's ``yaml.dump`` (with oyaml's key-order representers) writes
for a JSON-like tree: block style, indentless sequences, PyYAML's quoting choices and 80-column folding of
plain and single-quoted scalars. Double-quoted scalars (non-ASCII or control characters) are not folded."""

import math
import re

BEST_WIDTH = 80

# PyYAML's implicit resolvers: a string that would read back as something else must be quoted.
_IMPLICIT = [
    re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X),
    re.compile(r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X),
    re.compile(r"^(?:<<)$"),
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    re.compile(r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X),
    re.compile(r"^(?:=)$"),
]
_BREAKS = "\n\x85\u2028\u2029"
_WS = "\0 \t\r\n\x85\u2028\u2029"
_ESCAPES = {"\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0A": "n", "\x0B": "v", "\x0C": "f",
            "\x0D": "r", "\x1B": "e", '"': '"', "\\": "\\", "\x85": "N", "\xA0": "_", "\u2028": "L",
            "\u2029": "P"}


def _resolves_to_str(value):
    return not any(r.match(value) for r in _IMPLICIT)


def _analyze(s):
    """Which styles PyYAML allows for a scalar (Emitter.analyze_scalar, allow_unicode=False)."""
    if not s:
        return dict(empty=True, multiline=False, plain=False, single=True)
    # flow indicators only matter inside flow collections, which this emitter never writes
    block_ind = line_breaks = special = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = previous_space = previous_break = False
    if s.startswith("---") or s.startswith("..."):
        block_ind = True
    preceded_ws = True
    followed_ws = len(s) == 1 or s[1] in _WS
    for index, ch in enumerate(s):
        if index == 0:
            if ch in "#,[]{}&*!|>'\"%@`":
                block_ind = True
            if ch in "?:" and followed_ws:
                block_ind = True
            if ch == "-" and followed_ws:
                block_ind = True
        else:
            if ch == ":" and followed_ws:
                block_ind = True
            if ch == "#" and preceded_ws:
                block_ind = True
        if ch in _BREAKS:
            line_breaks = True
        if not (ch == "\n" or "\x20" <= ch <= "\x7E"):
            special = True  # allow_unicode is False: every non-ASCII character forces double quotes
        if ch == " ":
            if index == 0:
                leading_space = True
            if index == len(s) - 1:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif ch in _BREAKS:
            if index == 0:
                leading_break = True
            if index == len(s) - 1:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_ws = ch in _WS
        followed_ws = index + 2 >= len(s) or s[index + 2] in _WS
    plain = single = True
    if leading_space or leading_break or trailing_space or trailing_break:
        plain = False
    if break_space:
        plain = single = False
    if space_break or special:
        plain = single = False
    if line_breaks or block_ind:
        plain = False
    return dict(empty=False, multiline=line_breaks, plain=plain, single=single)


class _Emitter:
    """The block-style subset of PyYAML's Emitter: the same indent stack, indicators and folding."""

    def __init__(self):
        self.out = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = None
        self.indents = []
        self.mapping_context = False
        self.simple_key_context = False

    # -- low level (Emitter.write_*) --
    def _write(self, data):
        self.out.append(data)
        self.column += len(data)

    def increase_indent(self, flow=False, indentless=False):
        self.indents.append(self.indent)
        if self.indent is None:
            self.indent = 2 if flow else 0
        elif not indentless:
            self.indent += 2

    def write_indicator(self, indicator, need_whitespace, whitespace=False, indention=False):
        data = indicator if (self.whitespace or not need_whitespace) else " " + indicator
        self.whitespace = whitespace
        self.indention = self.indention and indention
        self._write(data)

    def write_line_break(self):
        self.whitespace = True
        self.indention = True
        self.out.append("\n")
        self.column = 0

    def write_indent(self):
        indent = self.indent or 0
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.write_line_break()
        if self.column < indent:
            self.whitespace = True
            self._write(" " * (indent - self.column))

    def write_plain(self, text):
        if not text:
            return
        if not self.whitespace:
            self._write(" ")
        self.whitespace = self.indention = False
        spaces = breaks = False
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if spaces:
                if ch != " ":
                    if start + 1 == end and self.column > BEST_WIDTH:
                        self.write_indent()
                        self.whitespace = self.indention = False
                    else:
                        self._write(text[start:end])
                    start = end
            elif breaks:
                if ch not in _BREAKS:
                    if text[start] == "\n":
                        self.write_line_break()
                    for _ in text[start:end]:
                        self.write_line_break()
                    self.write_indent()
                    self.whitespace = self.indention = False
                    start = end
            elif ch is None or ch in " " + _BREAKS:
                self._write(text[start:end])
                start = end
            if ch is not None:
                spaces = ch == " "
                breaks = ch in _BREAKS
            end += 1

    def write_single_quoted(self, text):
        self.write_indicator("'", True)
        spaces = breaks = False
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if spaces:
                if ch is None or ch != " ":
                    if start + 1 == end and self.column > BEST_WIDTH and start != 0 and end != len(text):
                        self.write_indent()
                    else:
                        self._write(text[start:end])
                    start = end
            elif breaks:
                if ch is None or ch not in _BREAKS:
                    if text[start] == "\n":
                        self.write_line_break()
                    for _ in text[start:end]:
                        self.write_line_break()
                    self.write_indent()
                    start = end
            elif ch is None or ch in " '" + _BREAKS:
                if start < end:
                    self._write(text[start:end])
                    start = end
            if ch == "'":
                self._write("''")
                start = end + 1
            if ch is not None:
                spaces = ch == " "
                breaks = ch in _BREAKS
            end += 1
        self.write_indicator("'", False)

    def write_double_quoted(self, text):
        self.write_indicator('"', True)
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if ch is None or ch in '"\\\x85\u2028\u2029\uFEFF' or not ("\x20" <= ch <= "\x7E"):
                if start < end:
                    self._write(text[start:end])
                    start = end
                if ch is not None:
                    if ch in _ESCAPES:
                        data = "\\" + _ESCAPES[ch]
                    elif ch <= "\xFF":
                        data = "\\x%02X" % ord(ch)
                    elif ch <= "\uFFFF":
                        data = "\\u%04X" % ord(ch)
                    else:
                        data = "\\U%08X" % ord(ch)
                    self._write(data)
                    start = end + 1
            if 0 < end < len(text) - 1 and (ch == " " or start >= end) and self.column + (end - start) > BEST_WIDTH:
                data = text[start:end] + "\\"
                if start < end:
                    start = end
                self._write(data)
                self.write_indent()
                self.whitespace = self.indention = False
                if text[start] == " ":
                    self._write("\\")
            end += 1
        self.write_indicator('"', False)

    # -- nodes (Emitter.expect_*) --
    def node(self, value, mapping=False, simple_key=False):
        self.mapping_context = mapping
        self.simple_key_context = simple_key
        if isinstance(value, dict):
            if value:
                self.block_mapping(value)
            else:
                self.write_indicator("{", True, whitespace=True)
                self.write_indicator("}", False)
        elif isinstance(value, (list, tuple)):
            if value:
                self.block_sequence(value)
            else:
                self.write_indicator("[", True, whitespace=True)
                self.write_indicator("]", False)
        else:
            self.increase_indent(flow=True)
            self.scalar(value)
            self.indent = self.indents.pop()

    def block_sequence(self, seq):
        indentless = self.mapping_context and not self.indention
        self.increase_indent(flow=False, indentless=indentless)
        for item in seq:
            self.write_indent()
            self.write_indicator("-", True, indention=True)
            self.node(item)
        self.indent = self.indents.pop()

    def block_mapping(self, mapping):
        self.increase_indent(flow=False)
        for key, value in mapping.items():
            self.write_indent()
            self.node(key, mapping=True, simple_key=True)
            self.write_indicator(":", False)
            self.node(value, mapping=True)
        self.indent = self.indents.pop()

    def scalar(self, value):
        text, is_str = _scalar_text(value)
        if not is_str:
            self.write_plain(text)
            return
        analysis = _analyze(text)
        if _resolves_to_str(text) and analysis["plain"] and \
                not (self.simple_key_context and (analysis["empty"] or analysis["multiline"])):
            self.write_plain(text)
        elif analysis["single"] and not (self.simple_key_context and analysis["multiline"]):
            self.write_single_quoted(text)
        else:
            self.write_double_quoted(text)


def _scalar_text(value):
    """(text, is_str) for a non-container value, as PyYAML's SafeRepresenter writes it."""
    if value is None:
        return "null", False
    if value is True:
        return "true", False
    if value is False:
        return "false", False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if value != value:
            return ".nan", False
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf", False
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        return text, False
    return str(value), True


def dump(data):
    """The text of ``yaml.dump(data)`` (default options, oyaml key order)."""
    emitter = _Emitter()
    emitter.node(data)
    emitter.write_line_break()
    return "".join(emitter.out)
