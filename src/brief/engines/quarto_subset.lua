--[[
quarto_subset.lua: the Quarto subset for the built-in engine, BEFORE --citeproc.

Passes, in order, over the whole document:
  1. floats     `::: {#fig-x}` / `::: {#tbl-x}` divs: content + caption (the last paragraph)
                are numbered in document order ("Figure N: caption", "Table N: caption")
                and kept as a neutral `.brief-float` div for quarto_render.lua;
  2. embeds     `.brief-embed` divs from the Python pre-pass: ```{.brief-markdown} blocks
                are parsed as Markdown on their own (never raw HTML beyond pandoc's default
                reader; data text arrives backslash-escaped); raw blocks pass unchanged;
  3. callouts   `.callout-note|tip|warning|important|caution` → `.brief-callout` with a title
                (`title="…"`, else a first heading, else the kind's name);
  4. sections   with `brief-number-sections: true`, headings get "1", "1.2", … (relative to
                the document's highest heading level; `.unnumbered` headings skipped);
  5. crossrefs  `@fig-x`, `@tbl-x`, `@sec-x` (citations whose ids carry those prefixes)
                become links "Figure N" / "Table N" / "Section N" (`-@fig-x` → "N"), so
                citeproc never sees them. An unknown id is an error.
Errors are raised as "brief: …" so the Python side can quote them.
]]

local PREFIX = { fig = "Figure", tbl = "Table", sec = "Section" }
local CALLOUTS = {
  note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution",
}

-- 0. words: the document language's words, as Quarto's language files give them (the
-- engine passes them as `brief-word-<key>` metadata, e.g. brief-word-fig = 그림 for `lang: ko`).
local pass_words = {
  Meta = function(meta)
    for key, _ in pairs(PREFIX) do
      local word = meta["brief-word-" .. key]
      if word ~= nil then
        PREFIX[key] = pandoc.utils.stringify(word)
      end
    end
    for key, _ in pairs(CALLOUTS) do
      local word = meta["brief-word-callout-" .. key]
      if word ~= nil then
        CALLOUTS[key] = pandoc.utils.stringify(word)
      end
    end
    return nil
  end,
}
-- Markdown outputs are parsed alone, without a YAML metadata block.
local OUTPUT_READER = "markdown-yaml_metadata_block"

local floats = {}    -- id -> { kind = "fig"|"tbl", number = "N" }
local sections = {}  -- id -> { number = "1.2" | nil, title = "…" }

local function fail(message)
  error("brief: " .. message, 0)
end

local function ref_kind(id)
  return id:match("^(fig)%-") or id:match("^(tbl)%-") or id:match("^(sec)%-")
end

-- 1. floats --------------------------------------------------------------------------------
local counters = { fig = 0, tbl = 0 }

local pass_floats = {
  traverse = "topdown",
  Div = function(div)
    local kind = div.identifier:match("^(fig)%-") or div.identifier:match("^(tbl)%-")
    if not kind then
      return nil
    end
    local id = div.identifier
    if floats[id] then
      fail("two floats have the id #" .. id)
    end
    local last = div.content[#div.content]
    if #div.content < 2 or not last or (last.t ~= "Para" and last.t ~= "Plain") then
      fail("#" .. id .. " needs content and then a caption as its last paragraph")
    end
    counters[kind] = counters[kind] + 1
    local number = tostring(counters[kind])
    floats[id] = { kind = kind, number = number }
    local body = div.content:clone()
    body:remove(#body)
    local caption = pandoc.Inlines({
      pandoc.Str(PREFIX[kind]), pandoc.Space(), pandoc.Str(number .. ":"), pandoc.Space(),
    })
    caption:extend(last.content)
    local attr = pandoc.Attr(id, { "brief-float", "brief-" .. kind },
      { { "kind", kind }, { "number", number } })
    return pandoc.Div({
      pandoc.Div(body, pandoc.Attr("", { "brief-float-body" })),
      pandoc.Div({ pandoc.Plain(caption) }, pandoc.Attr("", { "brief-float-caption" })),
    }, attr), false
  end,
}

-- 2. embeds --------------------------------------------------------------------------------
local pass_embeds = {
  Div = function(div)
    if not div.classes:includes("brief-embed") then
      return nil
    end
    local blocks = pandoc.Blocks({})
    for _, block in ipairs(div.content) do
      if block.t == "CodeBlock" and block.classes:includes("brief-markdown") then
        blocks:extend(pandoc.read(block.text, OUTPUT_READER, PANDOC_READER_OPTIONS).blocks)
      else
        blocks:insert(block)
      end
    end
    return blocks
  end,
}

-- 3. callouts ------------------------------------------------------------------------------
local pass_callouts = {
  Div = function(div)
    local kind
    for _, class in ipairs(div.classes) do
      local k = class:match("^callout%-(%a+)$")
      if k and CALLOUTS[k] then
        kind = k
      end
    end
    if not kind then
      return nil
    end
    local body = div.content
    local title
    if div.attributes.title and div.attributes.title ~= "" then
      title = pandoc.Inlines(div.attributes.title)
    elseif #body > 0 and body[1].t == "Header" then
      title = body[1].content
      body = body:clone()
      body:remove(1)
    else
      title = pandoc.Inlines(CALLOUTS[kind])
    end
    return pandoc.Div({
      pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "brief-callout-title" })),
      pandoc.Div(body, pandoc.Attr("", { "brief-callout-body" })),
    }, pandoc.Attr(div.identifier, { "brief-callout", "callout-" .. kind }, { { "kind", kind } }))
  end,
}

-- 4. sections ------------------------------------------------------------------------------
local function meta_true(value)
  if value == nil then
    return false
  end
  if type(value) == "boolean" then
    return value
  end
  local text = pandoc.utils.stringify(value)
  return text == "true" or text == "True" or text == "yes"
end

local pass_sections = {
  Pandoc = function(doc)
    local numbered = meta_true(doc.meta["brief-number-sections"])
    local base
    doc:walk({
      Header = function(h)
        if not h.classes:includes("unnumbered") and (base == nil or h.level < base) then
          base = h.level
        end
      end,
    })
    local counts = {}
    doc = doc:walk({
      Header = function(h)
        local title = pandoc.utils.stringify(h.content)
        local number
        if numbered and not h.classes:includes("unnumbered") then
          local depth = h.level - base + 1
          counts[depth] = (counts[depth] or 0) + 1
          for i = depth + 1, 10 do
            counts[i] = nil
          end
          local parts = {}
          for i = 1, depth do
            parts[i] = tostring(counts[i] or 0)
          end
          number = table.concat(parts, ".")
          h.content:insert(1, pandoc.Space())
          h.content:insert(1, pandoc.Span({ pandoc.Str(number) },
            pandoc.Attr("", { "header-section-number" })))
        end
        if h.identifier ~= "" then
          if h.identifier:match("^sec%-") and sections[h.identifier] then
            fail("two sections have the id #" .. h.identifier)
          end
          sections[h.identifier] = { number = number, title = title }
        end
        return h
      end,
    })
    return doc
  end,
}

-- 5. cross-references ----------------------------------------------------------------------
local function xref(citation)
  local id = citation.id
  local kind = ref_kind(id)
  local label
  if kind == "sec" then
    local s = sections[id]
    if not s then
      fail("unresolved cross-reference @" .. id .. " (no heading has {#" .. id .. "})")
    end
    if s.number then
      label = citation.mode == "SuppressAuthor" and s.number or (PREFIX.sec .. " " .. s.number)
    else
      label = s.title
    end
  else
    local f = floats[id]
    if not f then
      fail("unresolved cross-reference @" .. id .. " (no ::: {#" .. id .. "} div)")
    end
    label = citation.mode == "SuppressAuthor" and f.number or (PREFIX[kind] .. " " .. f.number)
  end
  local out = pandoc.Inlines({})
  if #citation.prefix > 0 then
    out:extend(citation.prefix)
    out:insert(pandoc.Space())
  end
  out:insert(pandoc.Link(pandoc.Inlines(label), "#" .. id, "", pandoc.Attr("", { "quarto-xref" })))
  if #citation.suffix > 0 then
    out:extend(citation.suffix)
  end
  return out
end

local pass_crossrefs = {
  Cite = function(cite)
    local refs, others = 0, 0
    for _, c in ipairs(cite.citations) do
      if ref_kind(c.id) then
        refs = refs + 1
      else
        others = others + 1
      end
    end
    if refs == 0 then
      return nil
    end
    if others > 0 then
      fail("a citation mixes cross-references and sources: " .. pandoc.utils.stringify(cite.content))
    end
    local out = pandoc.Inlines({})
    for i, c in ipairs(cite.citations) do
      if i > 1 then
        out:extend({ pandoc.Str(","), pandoc.Space() })
      end
      out:extend(xref(c))
    end
    return out
  end,
}

return { pass_words, pass_floats, pass_embeds, pass_callouts, pass_sections, pass_crossrefs }
