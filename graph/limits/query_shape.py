"""The shape of a GraphQL document, measured before it is validated or run.

Everything here is linear in the document and safe on any input: standard validation
and execution may be slow or recursive on hostile documents (deep nesting, fragment
chains, a field repeated under one name), so these measures refuse those first.
"""

from collections import Counter
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import Lexer, Source, TokenKind

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
OPENING = frozenset({TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L})
CLOSING = frozenset({TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R})


@dataclass(frozen=True)
class Lexical:
    """What lexing a document (up to a limit) tells: its tokens and its bracket nesting."""

    tokens: int
    nesting: int


def lex(text: str, max_tokens: int) -> Lexical:
    """Count tokens and the deepest bracket nesting, stopping after `max_tokens` + 1 tokens.

    Lexing errors are left to the parser, which reports them with their position.
    """
    lexer = Lexer(Source(text))
    tokens = depth = deepest = 0
    try:
        while tokens <= max_tokens:
            kind = lexer.advance().kind
            if kind is TokenKind.EOF:
                break
            tokens += 1
            if kind in OPENING:
                depth += 1
                deepest = max(deepest, depth)
            elif kind in CLOSING:
                depth -= 1
    except GraphQLSyntaxError:
        pass  # the parser reports it, with its position
    return Lexical(tokens=tokens, nesting=deepest)


@dataclass(frozen=True)
class Shape:
    """Measures of a selection, fragments expanded as execution expands them."""

    depth: int = 0
    aliases: int = 0
    repeats: int = 0
    """Object fields selected again under a response name already selected beside them."""
    breadth: int = 0
    """The most fields one selection set holds, counting those its fragments bring."""
    introspection: bool = False

    def beside(self, other: "Shape") -> "Shape":
        """Two selections side by side."""
        return Shape(
            depth=max(self.depth, other.depth),
            aliases=self.aliases + other.aliases,
            repeats=self.repeats + other.repeats,
            breadth=max(self.breadth, other.breadth),
            introspection=self.introspection or other.introspection,
        )


class TooDeep(Exception):
    """Fields or fragment spreads nest deeper than allowed; measuring stopped there."""

    def __init__(self, what: str, maximum: int) -> None:
        super().__init__(what)
        self.what, self.maximum = what, maximum


def response_name(field: FieldNode) -> str:
    return (field.alias or field.name).value


def operations_to_run(
    document: DocumentNode, operation_name: str | None
) -> list[OperationDefinitionNode]:
    """The operation the request names, or every operation when it cannot be told yet."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        named = [o for o in operations if o.name and o.name.value == operation_name]
        return named or operations
    return operations


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class ShapeMeter:
    """Measures selection sets of one document; each field's subtree is measured once."""

    def __init__(self, document: DocumentNode, max_depth: int, max_fragment_nesting: int) -> None:
        self._fragments = fragments_of(document)
        self._max_depth = max_depth
        self._max_chain = max_fragment_nesting
        self._subtrees: dict[int, Shape] = {}
        self._measuring: set[int] = set()

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        return self._selection_set(operation.selection_set, depth=0, chain=0)

    def _selection_set(self, selection_set: SelectionSetNode, depth: int, chain: int) -> Shape:
        fields = self._fields_at_level(selection_set, chain, set())
        named = Counter(response_name(field) for field, _ in fields if field.selection_set)
        shape = Shape(repeats=sum(count - 1 for count in named.values()), breadth=len(fields))
        for field, field_chain in fields:
            shape = shape.beside(self._field(field, depth, field_chain))
        return shape

    def _fields_at_level(
        self, selection_set: SelectionSetNode, chain: int, spread: set[str]
    ) -> list[tuple[FieldNode, int]]:
        """The fields execution collects into one level, each with its fragment chain.

        A fragment spread twice at one level is collected once, as execution does.
        """
        fields: list[tuple[FieldNode, int]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields.append((selection, chain))
            elif isinstance(selection, InlineFragmentNode):
                fields += self._fields_at_level(selection.selection_set, chain, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is None or name in spread:
                    continue  # unknown fragments are validation's to report
                spread.add(name)
                if chain + 1 > self._max_chain:
                    raise TooDeep("fragment spreads", self._max_chain)
                fields += self._fields_at_level(fragment.selection_set, chain + 1, spread)
        return fields

    def _field(self, field: FieldNode, depth: int, chain: int) -> Shape:
        key = id(field)
        subtree = self._subtrees.get(key)
        if subtree is None:
            if key in self._measuring:
                return Shape()  # a fragment cycle: validation refuses it
            self._measuring.add(key)
            try:
                subtree = self._subtree(field, depth, chain)
            finally:
                self._measuring.discard(key)
            self._subtrees[key] = subtree
        if depth + subtree.depth > self._max_depth:
            raise TooDeep("fields", self._max_depth)
        return subtree

    def _subtree(self, field: FieldNode, depth: int, chain: int) -> Shape:
        """The field and what it selects, measured from the field itself (depth 1 at least)."""
        if depth + 1 > self._max_depth:
            raise TooDeep("fields", self._max_depth)
        inner = Shape()
        if field.selection_set is not None:
            inner = self._selection_set(field.selection_set, depth + 1, chain)
        return Shape(
            depth=inner.depth + 1,
            aliases=inner.aliases + (field.alias is not None),
            repeats=inner.repeats,
            breadth=inner.breadth,
            introspection=inner.introspection or field.name.value in INTROSPECTION_FIELDS,
        )
