// A preorder walk over the visible nodes of a tree-sitter tree, for the fact pass.
//
// It yields what `TSTreeCursor` would (the same nodes, with the same positions, aliases and
// field names), but keeps one frame per level of the tree, hidden levels included, for the
// whole walk. The cursor keeps only entries and rebuilds a child iterator from them on every
// step: each move to a next sibling pops the entry, recomputes the parent's alias sequence and
// visibility, and restores the iterator (about 600 instructions per step on Python trees).
//
// Built against the internal headers of the tree-sitter crate this binary links, so the layout
// of `Subtree` it reads is always the one the parser wrote.

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_sitter/api.h"
#include "./language.h"
#include "./length.h"
#include "./subtree.h"
#include "./tree.h"

// One level of the walk: the children of one node (visible, the root, or hidden), with
// everything a step reads kept in the frame, so a step touches the owner's subtree only once,
// when the frame is pushed.
typedef struct {
  const Subtree *children;
  const TSSymbol *alias_sequence;
  // Start (after its padding) of the child at `index`.
  Length position;
  uint32_t count;
  uint32_t index;
  // Structural index (extras not counted) of the child at `index`.
  uint32_t structural;
  // Depth of the visible nodes found in this frame (the root is at 0).
  uint32_t depth;
  // The owner, as its own parent's frame found it, for field names seen through hidden
  // nodes: its production, its structural index there, and whether it is visible or extra.
  uint32_t owner_structural;
  uint16_t owner_production;
  bool owner_visible;
  bool owner_extra;
  // Leaves found in this frame may be passed over (see `WtfcbLeaves`).
  bool pass;
} Frame;

typedef struct {
  const TSTree *tree;
  Frame *frames;
  uint32_t size;
  uint32_t capacity;
  // The node yielded last: its subtree, start, structural index and depth, and whether it
  // is an extra.
  const Subtree *current;
  Length current_position;
  uint32_t current_structural;
  uint32_t current_depth;
  bool current_extra;
  // 0: the root is next; 1: walking; 2: done.
  uint8_t state;
} WtfcbWalk;

// What one step yields: the node as `ts_tree_cursor_current_node` builds it, and the facts
// the fact pass reads of every node.
typedef struct {
  TSNode node;
  uint32_t child_count;
  uint32_t depth;
  uint32_t end_byte;
  TSPoint end_point;
  TSSymbol symbol;
} WtfcbStep;

// A leaf passed over: what the fact pass reads of a leaf it only marks and records.
typedef struct {
  uint32_t start_byte;
  uint32_t end_byte;
  uint32_t start_row;
  uint32_t end_row;
  uint32_t end_column;
  TSSymbol symbol;
} WtfcbLeaf;

// Where a step leaves the leaves it passed over on its way to the node it yields: a leaf
// (no visible children) whose kind `plain` marks, found in a frame that allows it, goes into
// `leaves` instead of being yielded, while there is room.
typedef struct {
  const bool *plain;
  uint32_t plain_count;
  WtfcbLeaf *leaves;
  uint32_t capacity;
  uint32_t count;
} WtfcbLeaves;

WtfcbWalk *wtfcb_walk_new(const TSTree *tree) {
  WtfcbWalk *self = calloc(1, sizeof(WtfcbWalk));
  if (!self) abort();
  self->tree = tree;
  return self;
}

void wtfcb_walk_delete(WtfcbWalk *self) {
  if (!self) return;
  free(self->frames);
  free(self);
}

// Makes room for another frame.
static __attribute__((noinline)) void grow(WtfcbWalk *self) {
  uint32_t capacity = self->capacity ? self->capacity * 2 : 64;
  Frame *frames = realloc(self->frames, (size_t)capacity * sizeof(Frame));
  if (!frames) abort();
  self->frames = frames;
  self->capacity = capacity;
}

// Starts going through the children of `owner` (which has some), starting at `position`,
// whose visible nodes are at `depth`; returns the new top frame.
static inline __attribute__((always_inline)) Frame *push(WtfcbWalk *self, const Subtree *owner,
                                                         Length position, uint32_t structural,
                                                         bool visible, bool extra, uint32_t depth,
                                                         bool pass) {
  if (self->size == self->capacity) grow(self);
  Subtree subtree = *owner;
  uint16_t production = subtree.ptr->production_id;
  Frame *frame = &self->frames[self->size++];
  *frame = (Frame){
    .children = ts_subtree_children(subtree),
    .alias_sequence = ts_language_alias_sequence(self->tree->language, production),
    .position = position,
    .count = subtree.ptr->child_count,
    .index = 0,
    .structural = 0,
    .depth = depth,
    .owner_structural = structural,
    .owner_production = production,
    .owner_visible = visible,
    .owner_extra = extra,
    .pass = pass,
  };
  return frame;
}

// The kind a node is known by: `ts_language_public_symbol` of its alias or symbol, without a
// call into another unit.
static inline __attribute__((always_inline)) TSSymbol public_symbol(const WtfcbWalk *self, Subtree s,
                                                                    TSSymbol alias) {
  TSSymbol symbol = alias ? alias : ts_subtree_symbol(s);
  return symbol == ts_builtin_sym_error ? symbol : self->tree->language->public_symbol_map[symbol];
}

// Makes the node of `subtree`, from `start` to `end`, the node yielded last, and describes it
// in `out`.
static inline __attribute__((always_inline)) void yield(WtfcbWalk *self, const Subtree *subtree, Length start, Length end,
                         TSSymbol alias, uint32_t structural, bool extra, uint32_t depth,
                         WtfcbStep *out) {
  Subtree s = *subtree;
  self->current = subtree;
  self->current_position = start;
  self->current_structural = structural;
  self->current_depth = depth;
  self->current_extra = extra;
  out->node = (TSNode){
    {start.bytes, start.extent.row, start.extent.column, alias},
    subtree,
    self->tree,
  };
  out->child_count = ts_subtree_visible_child_count(s);
  out->depth = depth;
  out->end_byte = end.bytes;
  out->end_point = end.extent;
  out->symbol = public_symbol(self, s, alias);
}

// Passes over the visible node of `s`, from `start` to `end`, if it is a leaf of a kind
// `leaves` passes over and there is room for it there.
static inline __attribute__((always_inline)) bool pass_over(const WtfcbWalk *self, Subtree s,
                                                            Length start, Length end,
                                                            TSSymbol alias, WtfcbLeaves *leaves) {
  if (ts_subtree_visible_child_count(s) > 0 || leaves->count >= leaves->capacity) return false;
  TSSymbol symbol = public_symbol(self, s, alias);
  if (symbol >= leaves->plain_count || !leaves->plain[symbol]) return false;
  leaves->leaves[leaves->count++] = (WtfcbLeaf){
    start.bytes, end.bytes, start.extent.row, end.extent.row, end.extent.column, symbol,
  };
  return true;
}

// Moves to the next visible node in preorder, into the children of the node yielded last when
// `descend` is set (their leaves may be passed over when `pass_children` is set too); false
// once the tree is done. With `leaves`, it passes over the leaves it may (see `WtfcbLeaves`)
// and counts them there; without, it yields every node.
bool wtfcb_walk_next(WtfcbWalk *self, bool descend, bool pass_children, WtfcbStep *out,
                     WtfcbLeaves *leaves) {
  if (self->state == 2) return false;
  if (self->state == 0) {
    self->state = 1;
    const Subtree *root = &self->tree->root;
    Length start = ts_subtree_padding(*root);
    yield(self, root, start, length_add(start, ts_subtree_size(*root)), 0, 0, false, 0, out);
    return true;
  }
  if (descend && ts_subtree_visible_child_count(*self->current) > 0) {
    push(self, self->current, self->current_position, self->current_structural, true,
         self->current_extra, self->current_depth + 1, pass_children);
  }
  if (self->size == 0) {
    self->state = 2;
    return false;
  }
  Frame *frame = &self->frames[self->size - 1];
  for (;;) {
    if (frame->index == frame->count) {
      if (--self->size == 0) {
        self->state = 2;
        return false;
      }
      frame--;
      continue;
    }
    const Subtree *child = &frame->children[frame->index];
    Subtree s = *child;
    Length start = frame->position;
    Length end = length_add(start, ts_subtree_size(s));
    frame->index++;
    frame->position =
        frame->index < frame->count ? length_add(end, ts_subtree_padding(frame->children[frame->index])) : end;
    uint32_t structural = frame->structural;
    bool extra = ts_subtree_extra(s);
    TSSymbol alias = 0;
    if (!extra) {
      if (frame->alias_sequence) alias = frame->alias_sequence[structural];
      frame->structural++;
    }
    if (ts_subtree_visible(s) || alias) {
      if (leaves && frame->pass && pass_over(self, s, start, end, alias, leaves)) continue;
      yield(self, child, start, end, alias, structural, extra, frame->depth, out);
      return true;
    }
    // A hidden node: its visible descendants are children of the visible node above.
    if (ts_subtree_visible_child_count(s) > 0) {
      frame = push(self, child, start, structural, false, extra, frame->depth, frame->pass);
    }
  }
}

// The field of the node yielded last in its visible parent, as
// `ts_tree_cursor_current_field_id` finds it: in the field map of its parent's production,
// and through the hidden nodes above it; 0 for none.
TSFieldId wtfcb_walk_field(const WtfcbWalk *self) {
  if (self->state != 1 || self->size == 0) return 0;
  uint32_t structural = self->current_structural;
  bool extra = self->current_extra;
  for (uint32_t i = self->size; i > 0 && !extra; i--) {
    const Frame *frame = &self->frames[i - 1];
    const TSFieldMapEntry *map, *end;
    ts_language_field_map(self->tree->language, frame->owner_production, &map, &end);
    for (; map < end; map++) {
      if (!map->inherited && map->child_index == structural) return map->field_id;
    }
    if (frame->owner_visible) break;
    structural = frame->owner_structural;
    extra = frame->owner_extra;
  }
  return 0;
}

// One level of a children iterator's descent: the children of `parent` from `index` on.
typedef struct {
  Subtree parent;
  const TSSymbol *alias_sequence;
  Length position;
  uint32_t index;
  uint32_t structural;
} Level;

enum { INLINE_LEVELS = 4 };

// An iterator over the visible children of a node, as `ts_node_child(node, i)` gives them for
// each i below `ts_node_child_count(node)` (hidden children are looked through), in one pass.
// It holds no pointer to itself, so its owner may move it between calls.
typedef struct {
  const TSTree *tree;
  // Levels past the inline ones, once hidden nodes nest deeper (NULL until then).
  Level *heap;
  uint32_t depth;
  uint32_t capacity;
  Level inline_levels[INLINE_LEVELS];
} WtfcbChildren;

_Static_assert(sizeof(WtfcbChildren) <= 192, "walk.rs reserves 192 bytes for it");

static Level *levels_of(WtfcbChildren *self) {
  return self->heap ? self->heap : self->inline_levels;
}

void wtfcb_children_start(TSNode node, WtfcbChildren *self) {
  Subtree subtree = *(const Subtree *)node.id;
  self->tree = node.tree;
  self->heap = NULL;
  self->capacity = INLINE_LEVELS;
  self->depth = ts_subtree_child_count(subtree) > 0;
  self->inline_levels[0] = (Level){
    subtree,
    self->depth ? ts_language_alias_sequence(node.tree->language, subtree.ptr->production_id) : NULL,
    {node.context[0], {node.context[1], node.context[2]}},
    0,
    0,
  };
}

// The next child into `out`, and whether it is named; false once there is none.
bool wtfcb_children_next(WtfcbChildren *self, TSNode *out, bool *named) {
  const TSLanguage *language = self->tree->language;
  while (self->depth > 0) {
    Level *levels = levels_of(self);
    Level *level = &levels[self->depth - 1];
    if (level->index == level->parent.ptr->child_count) {
      self->depth--;
      continue;
    }
    const Subtree *child = &ts_subtree_children(level->parent)[level->index];
    TSSymbol alias = 0;
    if (!ts_subtree_extra(*child)) {
      if (level->alias_sequence) alias = level->alias_sequence[level->structural];
      level->structural++;
    }
    if (level->index > 0) level->position = length_add(level->position, ts_subtree_padding(*child));
    Length start = level->position;
    level->position = length_add(level->position, ts_subtree_size(*child));
    level->index++;
    if (ts_subtree_visible(*child) || alias) {
      *out = (TSNode){{start.bytes, start.extent.row, start.extent.column, alias}, child, self->tree};
      *named = alias ? ts_language_symbol_metadata(language, alias).named : ts_subtree_named(*child);
      return true;
    }
    if (ts_subtree_child_count(*child) == 0) continue;
    if (self->depth == self->capacity) {
      uint32_t capacity = self->capacity * 2;
      Level *grown = malloc((size_t)capacity * sizeof(Level));
      if (!grown) abort();
      memcpy(grown, levels, (size_t)self->depth * sizeof(Level));
      free(self->heap);
      self->heap = grown;
      self->capacity = capacity;
      levels = grown;
    }
    levels[self->depth++] = (Level){
      *child,
      ts_language_alias_sequence(language, child->ptr->production_id),
      start,
      0,
      0,
    };
  }
  return false;
}

void wtfcb_children_end(WtfcbChildren *self) {
  free(self->heap);
  self->heap = NULL;
  self->depth = 0;
}

// The entries of `production`'s field map for `field_id` into [*map, *end); false for none.
static bool field_entries(const TSLanguage *language, uint16_t production, TSFieldId field_id,
                          const TSFieldMapEntry **map, const TSFieldMapEntry **end) {
  ts_language_field_map(language, production, map, end);
  // The entries are sorted by field id.
  while (*map < *end && (*map)->field_id < field_id) (*map)++;
  while (*map < *end && (*end)[-1].field_id > field_id) (*end)--;
  return *map < *end;
}

// The first visible child of `node`, as `ts_node_child(node, 0)` finds it, or `none`.
static TSNode first_child(TSNode node, TSNode none) {
  WtfcbChildren children;
  wtfcb_children_start(node, &children);
  TSNode out;
  bool named;
  if (!wtfcb_children_next(&children, &out, &named)) out = none;
  wtfcb_children_end(&children);
  return out;
}

// The child of `self` in field `field_id`, as `ts_node_child_by_field_id` finds it (the same
// node in every case, hidden nodes and inherited fields included), without its calls into
// other units for each child and with the first visible child of a hidden field node found in
// one pass.
TSNode wtfcb_child_by_field_id(TSNode self, TSFieldId field_id) {
  const TSNode none = {{0, 0, 0, 0}, NULL, NULL};
recur:;
  Subtree subtree = *(const Subtree *)self.id;
  if (!field_id || ts_subtree_child_count(subtree) == 0 || subtree.ptr->visible_child_count == 0) {
    return none;
  }
  const TSLanguage *language = self.tree->language;
  uint16_t production = subtree.ptr->production_id;
  const TSFieldMapEntry *map, *map_end;
  if (!field_entries(language, production, field_id, &map, &map_end)) return none;
  const Subtree *children = ts_subtree_children(subtree);
  uint32_t count = subtree.ptr->child_count;
  const TSSymbol *alias_sequence = ts_language_alias_sequence(language, production);
  Length position = {self.context[0], {self.context[1], self.context[2]}};
  uint32_t structural = 0;
  for (uint32_t i = 0; i < count; i++) {
    Subtree child = children[i];
    if (i > 0) position = length_add(position, ts_subtree_padding(child));
    Length start = position;
    position = length_add(position, ts_subtree_size(child));
    if (ts_subtree_extra(child)) continue;
    TSSymbol alias = alias_sequence ? alias_sequence[structural] : 0;
    if (structural++ < map->child_index) continue;
    TSNode node = {{start.bytes, start.extent.row, start.extent.column, alias}, &children[i], self.tree};
    if (map->inherited) {
      // A hidden child's fields are its visible parent's: the last entry is searched in
      // place of this call, an earlier one by a nested search that may find nothing.
      if (map + 1 == map_end) {
        self = node;
        goto recur;
      }
      TSNode found = wtfcb_child_by_field_id(node, field_id);
      if (found.id) return found;
    } else if (ts_subtree_visible(child) || alias) {
      return node;
    } else if (ts_subtree_visible_child_count(child) > 0) {
      // A hidden node in the field stands for its first visible child.
      return first_child(node, none);
    }
    if (++map == map_end) return none;
  }
  return none;
}
