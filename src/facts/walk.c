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

#include "tree_sitter/api.h"
#include "./language.h"
#include "./length.h"
#include "./subtree.h"
#include "./tree.h"

typedef struct {
  // The node whose children this frame goes through (visible, the root, or hidden).
  Subtree owner;
  const TSSymbol *alias_sequence;
  // Start (after its padding) of the child at `index`.
  Length position;
  uint32_t index;
  // Structural index (extras not counted) of the child at `index`.
  uint32_t structural;
  // Depth of the visible nodes found in this frame (the root is at 0).
  uint32_t depth;
  // For field names seen through hidden nodes: the owner's structural index in the frame
  // below, and whether it is visible (or the root) or an extra.
  uint32_t owner_structural;
  bool owner_visible;
  bool owner_extra;
} Frame;

typedef struct {
  const TSTree *tree;
  Frame *frames;
  uint32_t size;
  uint32_t capacity;
  // The node yielded last.
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

static void push(WtfcbWalk *self, Frame frame) {
  if (self->size == self->capacity) {
    uint32_t capacity = self->capacity ? self->capacity * 2 : 64;
    Frame *frames = realloc(self->frames, (size_t)capacity * sizeof(Frame));
    if (!frames) abort();
    self->frames = frames;
    self->capacity = capacity;
  }
  self->frames[self->size++] = frame;
}

static Frame frame_of(const TSTree *tree, Subtree owner, Length position, uint32_t depth,
                      uint32_t owner_structural, bool owner_visible, bool owner_extra) {
  return (Frame){
    .owner = owner,
    .alias_sequence = ts_language_alias_sequence(tree->language, owner.ptr->production_id),
    .position = position,
    .index = 0,
    .structural = 0,
    .depth = depth,
    .owner_structural = owner_structural,
    .owner_visible = owner_visible,
    .owner_extra = owner_extra,
  };
}

static void yield(WtfcbWalk *self, const Subtree *subtree, Length position, TSSymbol alias,
                  WtfcbStep *out) {
  out->node = (TSNode){
    {position.bytes, position.extent.row, position.extent.column, alias},
    subtree,
    self->tree,
  };
  out->child_count = ts_subtree_visible_child_count(*subtree);
  Length end = length_add(position, ts_subtree_size(*subtree));
  out->end_byte = end.bytes;
  out->end_point = end.extent;
  out->depth = self->current_depth;
  TSSymbol symbol = alias ? alias : ts_subtree_symbol(*subtree);
  out->symbol = ts_language_public_symbol(self->tree->language, symbol);
}

// Moves to the next visible node in preorder, into the children of the node yielded last when
// `descend` is set; false once the tree is done.
bool wtfcb_walk_next(WtfcbWalk *self, bool descend, WtfcbStep *out) {
  if (self->state == 0) {
    self->state = 1;
    self->current = &self->tree->root;
    self->current_position = ts_subtree_padding(self->tree->root);
    self->current_structural = 0;
    self->current_depth = 0;
    self->current_extra = false;
    yield(self, self->current, self->current_position, 0, out);
    return true;
  }
  if (self->state == 2) return false;
  if (descend && ts_subtree_visible_child_count(*self->current) > 0) {
    push(self, frame_of(self->tree, *self->current, self->current_position,
                        self->current_depth + 1, self->current_structural, true,
                        self->current_extra));
  }
  while (self->size > 0) {
    Frame *frame = &self->frames[self->size - 1];
    uint32_t count = frame->owner.ptr->child_count;
    if (frame->index == count) {
      self->size--;
      continue;
    }
    const Subtree *children = ts_subtree_children(frame->owner);
    const Subtree *child = &children[frame->index];
    Length position = frame->position;
    uint32_t structural = frame->structural;
    bool extra = ts_subtree_extra(*child);
    TSSymbol alias = 0;
    if (!extra) {
      if (frame->alias_sequence) alias = frame->alias_sequence[structural];
      frame->structural++;
    }
    frame->position = length_add(frame->position, ts_subtree_size(*child));
    frame->index++;
    if (frame->index < count) {
      frame->position = length_add(frame->position, ts_subtree_padding(children[frame->index]));
    }
    uint32_t depth = frame->depth;
    if (ts_subtree_visible(*child) || alias) {
      self->current = child;
      self->current_position = position;
      self->current_structural = structural;
      self->current_depth = depth;
      self->current_extra = extra;
      yield(self, child, position, alias, out);
      return true;
    }
    // A hidden node: its visible descendants are children of the visible node above.
    if (ts_subtree_visible_child_count(*child) > 0) {
      push(self, frame_of(self->tree, *child, position, depth, structural, false, extra));
    }
  }
  self->state = 2;
  return false;
}

// The field of the node yielded last in its visible parent, as
// `ts_tree_cursor_current_field_id` finds it: in the field map of its parent's production,
// and through the hidden nodes above it; 0 for none.
TSFieldId wtfcb_walk_field(const WtfcbWalk *self) {
  if (self->state != 1 || self->size == 0) return 0;
  uint32_t structural = self->current_structural;
  bool extra = self->current_extra;
  for (uint32_t i = self->size; i > 0; i--) {
    const Frame *frame = &self->frames[i - 1];
    if (extra) break;
    const TSFieldMapEntry *map, *end;
    ts_language_field_map(self->tree->language, frame->owner.ptr->production_id, &map, &end);
    for (; map < end; map++) {
      if (!map->inherited && map->child_index == structural) return map->field_id;
    }
    if (frame->owner_visible) break;
    structural = frame->owner_structural;
    extra = frame->owner_extra;
  }
  return 0;
}
