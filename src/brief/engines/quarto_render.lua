--[[
quarto_render.lua: the built-in engine's output stage, AFTER --citeproc.

Turns the neutral divs left by quarto_subset.lua into each format's own structure:
  .brief-float    HTML: <figure id> … <figcaption> (tables: caption above, figures: below);
                  Typst: #figure(kind: image|table, numbering: none, caption: …)[…] <id>
                  (numbers were written into the caption by quarto_subset.lua, so both
                  formats show the same "Figure N" and links point at the same ids).
  .brief-callout  HTML: div.callout.callout-<kind> with a title and a body;
                  Typst: #brief-callout(kind: "<kind>", title: […])[…] (from brief.typ).
Captions and titles are written after citeproc, so citations inside them are resolved.
]]

local is_html = FORMAT:match("html") ~= nil
local is_typst = FORMAT == "typst"
local KINDS = { note = true, tip = true, warning = true, important = true, caution = true }

local function typst_inlines(inlines)
  local text = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst-citations")
  return (text:gsub("%s+$", ""))
end

local function html_attr(text)
  return (text:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function typst_label(id)
  if id == "" or not id:match("^[%w_%-%.:]+$") then
    return ""
  end
  return " <" .. id .. ">"
end

local function float(div)
  local kind = div.attributes.kind
  local body = div.content[1].content
  local caption = div.content[2].content[1].content
  local out = pandoc.Blocks({})
  if is_html then
    local cap = {
      pandoc.RawBlock("html", "<figcaption>"),
      pandoc.Plain(caption),
      pandoc.RawBlock("html", "</figcaption>"),
    }
    out:insert(pandoc.RawBlock("html", string.format(
      '<figure id="%s" class="brief-float brief-%s">', html_attr(div.identifier), kind)))
    if kind == "tbl" then
      out:extend(cap)
      out:extend(body)
    else
      out:extend(body)
      out:extend(cap)
    end
    out:insert(pandoc.RawBlock("html", "</figure>"))
    return out
  end
  if is_typst then
    local figure_kind = kind == "tbl" and "table" or "image"
    local position = kind == "tbl" and "top" or "bottom"
    out:insert(pandoc.RawBlock("typst", string.format(
      "#figure(kind: %s, supplement: none, numbering: none, "
        .. "caption: figure.caption(position: %s)[%s])[",
      figure_kind, position, typst_inlines(caption))))
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]" .. typst_label(div.identifier)))
    return out
  end
  return nil
end

local function callout(div)
  local kind = div.attributes.kind
  if not KINDS[kind] then
    return nil
  end
  local title = div.content[1].content[1].content
  local body = div.content[2].content
  if is_html then
    local attrs = { { "role", "note" } }
    return pandoc.Div({
      pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "callout-title" })),
      pandoc.Div(body, pandoc.Attr("", { "callout-body" })),
    }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, attrs))
  end
  if is_typst then
    local out = pandoc.Blocks({})
    out:insert(pandoc.RawBlock("typst", string.format(
      '#brief-callout(kind: "%s", title: [%s])[', kind, typst_inlines(title))))
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]" .. typst_label(div.identifier)))
    return out
  end
  return nil
end

-- House blocks styled by name: in Typst a div with one of these classes becomes
-- #brief-summary[…] (a function of brief.typ); HTML keeps the div and its class (brief.css).
local HOUSE_BLOCKS = { ["brief-summary"] = "brief-summary" }

local function house_block(div)
  for _, class in ipairs(div.classes) do
    local fn = HOUSE_BLOCKS[class]
    if fn and is_typst then
      local out = pandoc.Blocks({ pandoc.RawBlock("typst", "#" .. fn .. "[") })
      out:extend(div.content)
      out:insert(pandoc.RawBlock("typst", "]" .. typst_label(div.identifier)))
      return out
    end
  end
  return nil
end

return {
  {
    Div = function(div)
      if div.classes:includes("brief-float") then
        return float(div)
      end
      if div.classes:includes("brief-callout") then
        return callout(div)
      end
      return house_block(div)
    end,
    -- Citations made only for the References (a figure's source list, counted in its
    -- source line): citeproc has listed them by now, so the text drops them.
    Span = function(span)
      if span.classes:includes("brief-nocite") then
        return {}
      end
      return nil
    end,
  },
}
