"""The rule query language: a lexer and a recursive-descent parser producing a small tree.

Grammar (lowest precedence first; operators are written in capitals)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*           adjacent terms are ANDed
    unary    := "NOT" unary | "-" primary | near
    near     := primary ("NEAR/n" primary)*       at most n words between the two sides
    primary  := FIELD ":" primary | "(" or_expr ")" | '"phrase"' | word | word* | =WORD

A syntax error is a :class:`QuerySyntaxError` carrying the 1-based column and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.nodes import FIELDS, And, Near, Node, Not, Or, Seq, Spec, Term
from rules.text import BREAK_RE, TERM_RE, fold, fold_keep_case

#: Shortest prefix a wildcard may have: "a*" would match half the dictionary.
MIN_PREFIX = 3
DEFAULT_NEAR = 5
#: Quotes that open a phrase, typographic ones included (a query pasted from a word processor,
#: French guillemets), and those that close one.
_OPEN_QUOTES = '"“”„«'
_CLOSE_QUOTES = '"“”»'
_SPECIAL = "()" + _OPEN_QUOTES
_NEAR_RE = re.compile(r"NEAR(?:/(\d+))?$")
#: An operator written in another case ("or", "Near/5"): an error rather than a word searched for.
_OTHER_CASE_OPERATOR = re.compile(r"(and|or|not|near(/\d+)?)$", re.IGNORECASE)


class QuerySyntaxError(ValueError):
    """A query that does not parse: ``column`` (1-based) and what was expected there."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class Token:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT NEAR NEG FIELD EXACT END
    text: str
    column: int
    distance: int = 0

    def describe(self) -> str:
        if self.kind == "END":
            return "end of query"
        return f"{self.text!r}" if self.kind in ("WORD", "EXACT", "FIELD") else self.text


def lex(query: str) -> list[Token]:
    """Split a query into tokens; errors name the column."""
    tokens: list[Token] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(Token("LPAREN" if char == "(" else "RPAREN", char, i + 1))
            i += 1
        elif char in _OPEN_QUOTES:
            close = next((j for j in range(i + 1, len(query)) if query[j] in _CLOSE_QUOTES), -1)
            if close < 0:
                raise QuerySyntaxError('expected a closing " for the phrase opened here', i + 1)
            tokens.append(Token("PHRASE", query[i + 1 : close], i + 1))
            i = close + 1
        elif char == "-":
            if i + 1 >= len(query) or query[i + 1].isspace():
                raise QuerySyntaxError("expected a word, phrase or ( right after -", i + 2)
            tokens.append(Token("NEG", "-", i + 1))
            i += 1
        else:
            i = _lex_word(query, i, tokens)
    tokens.append(Token("END", "", len(query.rstrip()) + 1))
    return tokens


def _lex_word(query: str, i: int, tokens: list[Token]) -> int:
    start = i
    while i < len(query) and not query[i].isspace() and query[i] not in _SPECIAL:
        if query[i] == ":" and _is_field_prefix(query[start:i]):
            name = query[start:i]
            if name.lower() not in FIELDS:
                allowed = ", ".join(FIELDS)
                raise QuerySyntaxError(f"unknown field {name!r} (allowed: {allowed})", start + 1)
            tokens.append(Token("FIELD", name.lower(), start + 1))
            return i + 1
        i += 1
    text = query[start:i]
    tokens.append(_word_token(text, start + 1))
    return i


def _is_field_prefix(text: str) -> bool:
    return text.isalpha() and text.isascii()


def _word_token(text: str, column: int) -> Token:
    if text in ("AND", "OR", "NOT"):
        return Token(text, text, column)
    near = _NEAR_RE.match(text)
    if near:
        distance = int(near.group(1)) if near.group(1) else DEFAULT_NEAR
        return Token("NEAR", text, column, distance)
    if text.startswith("NEAR/"):
        raise QuerySyntaxError(f"expected a number of words after NEAR/, found {text[5:]!r}", column + 5)
    if _OTHER_CASE_OPERATOR.match(text):
        upper = text.upper()
        raise QuerySyntaxError(
            f'operators are written in capitals: write {upper} (or "{text.split("/")[0]}" in quotes for the word)',
            column,
        )
    if text.startswith("=") and len(text) > 1:
        return Token("EXACT", text[1:], column)
    return Token("WORD", text, column)


@dataclass
class Parser:
    """Recursive descent over the tokens of one query."""

    query: str
    tokens: list[Token] = field(default_factory=list)
    at: int = 0
    scope: str | None = None

    def parse(self) -> Node:
        self.tokens = lex(self.query)
        if self.tokens[0].kind == "END":
            raise QuerySyntaxError("expected a word, phrase or ( (the query is empty)", 1)
        node = self.or_expr()
        token = self.peek()
        if token.kind == "RPAREN":
            raise QuerySyntaxError("found ) without a matching (", token.column)
        if token.kind != "END":
            raise QuerySyntaxError(f"expected an operator or end of query, found {token.describe()}", token.column)
        return node

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def or_expr(self, after: str | None = None) -> Node:
        children = [self.and_expr(after)]
        while self.peek().kind == "OR":
            self.take()
            children.append(self.and_expr("OR"))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self, after: str | None = None) -> Node:
        children = [self.unary(after)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                after = self.take().text
            elif kind in ("WORD", "PHRASE", "LPAREN", "NOT", "NEG", "FIELD", "EXACT"):
                after = None
            else:
                break
            children.append(self.unary(after))
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self, after: str | None = None) -> Node:
        token = self.peek()
        if token.kind == "NOT":
            self.take()
            return Not(self.unary("NOT"), token.column)
        if token.kind == "NEG":
            self.take()
            return Not(self.primary(after="-"), token.column)
        return self.near(after)

    def near(self, after: str | None = None) -> Node:
        left = self.primary(after)
        while self.peek().kind == "NEAR":
            token = self.take()
            right = self.primary(after=token.text)
            for side in (left, right):
                if not side.spans_positions():
                    raise QuerySyntaxError(
                        f"{token.text} joins words or phrases, or ( ... OR ... ) groups of them;"
                        " put AND / NOT outside it",
                        token.column,
                    )
            left = Near(left, right, token.distance, token.column)
        return left

    def primary(self, after: str | None = None) -> Node:
        token = self.take()
        if token.kind == "FIELD":
            return self.scoped(token)
        if token.kind == "LPAREN":
            node = self.or_expr("(")
            close = self.take()
            if close.kind != "RPAREN":
                raise QuerySyntaxError(
                    f"expected ) to close the ( at column {token.column}, found {close.describe()}",
                    close.column,
                )
            return node
        if token.kind in ("WORD", "PHRASE", "EXACT"):
            return make_term(token, self.scope)
        where = f" after {after}" if after else ""
        raise QuerySyntaxError(f"expected a word, phrase or ({where}, found {token.describe()}", token.column)

    def scoped(self, token: Token) -> Node:
        if self.scope is not None:
            raise QuerySyntaxError(f"field scopes do not nest ({token.text}: inside {self.scope}:)", token.column)
        self.scope = token.text
        try:
            return self.primary(after=f"{token.text}:")
        finally:
            self.scope = None


def make_term(token: Token, scope: str | None) -> Term:
    """A leaf from a word, phrase or exact-case token."""
    if token.kind == "PHRASE":
        words = token.text.split()
        if not words:
            raise QuerySyntaxError("expected words inside the quotes (the phrase is empty)", token.column)
        _check_no_break(token)
        sequences: list[tuple[Spec, ...]] = [()]
        for word in re.finditer(r"\S+", token.text):
            column = token.column + 1 + word.start()
            if word.group().startswith("=") and len(word.group()) > 1:
                alternatives = [(exact_spec(word.group()[1:], column + 1),)]
            else:
                alternatives = word_alternatives(word.group(), column)
            sequences = [seq + alt for seq in sequences for alt in alternatives]
        return Term(tuple(Seq(s) for s in sequences), token.text, token.column, scope, phrase=True)
    if token.kind == "EXACT":
        spec = exact_spec(token.text, token.column + 1)
        return Term((Seq((spec,)),), "=" + token.text, token.column, scope)
    alternatives = word_alternatives(token.text, token.column)
    return Term(tuple(Seq(a) for a in alternatives), token.text, token.column, scope)


def _check_no_break(token: Token) -> None:
    """A phrase with clause punctuation between its words ("health, data") could never match, not
    even the text it was copied from: bill text is never matched across such a mark."""
    folded = fold(token.text)[0]
    terms = list(TERM_RE.finditer(folded))
    if len(terms) < 2:
        return
    found = BREAK_RE.search(folded, terms[0].end(), terms[-1].start())
    if found is not None:
        mark = found.group().strip()
        raise QuerySyntaxError(
            f"a phrase never spans clause punctuation ({mark!r}): leave it out, or join the words with NEAR/1",
            token.column + 1 + found.start() + found.group().index(mark),
        )


def exact_spec(text: str, column: int) -> Spec:
    """The spec of an exact-case word (written ``=HIT``): one word of letters or digits."""
    parts = TERM_RE.findall(text)
    if len(parts) != 1 or parts[0] != text:
        raise QuerySyntaxError(f"expected one word of letters or digits after =, found {text!r}", column)
    return Spec(fold(text)[0], exact=fold_keep_case(text))


def word_alternatives(word: str, column: int) -> list[tuple[Spec, ...]]:
    """The term sequences one written word stands for.

    "telehealth" -> [(telehealth,)]; "patient's" -> [(patient, s)]; "e-prescribing" ->
    [(e, prescribing), (eprescribing,)]; "interoperab*" -> [(interoperab*,)].
    """
    wildcard = word.endswith("*")
    body = word[:-1] if wildcard else word
    star = body.find("*")
    if star >= 0:
        raise QuerySyntaxError("a wildcard * may only end a word", column + star)
    parts = TERM_RE.findall(fold(body)[0])
    if not parts:
        raise QuerySyntaxError(f"expected a word of letters or digits, found {word!r}", column)
    if wildcard and len(parts[-1]) < MIN_PREFIX:
        raise QuerySyntaxError(
            f"a wildcard needs at least {MIN_PREFIX} letters before * (found {word!r})", column
        )
    split = tuple(Spec(p) for p in parts[:-1]) + (Spec(parts[-1], prefix=wildcard),)
    alternatives = [split]
    hyphenated = len(parts) > 1 and re.fullmatch(r"[^\W_]+(?:-[^\W_]+)+", fold(body)[0]) is not None
    if hyphenated:
        alternatives.append((Spec("".join(parts), prefix=wildcard),))
    return alternatives


def parse_query(query: str) -> Node:
    """Parse a query, or raise :class:`QuerySyntaxError` naming the column and what was expected."""
    node = Parser(query).parse()
    if not node.anchored():
        raise QuerySyntaxError(
            "the query would match bills that contain none of its words; NOT and -word need a"
            " positive word beside them (like: telehealth NOT veterinary)",
            1,
        )
    return node
