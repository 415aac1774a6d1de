# Writes notes.html (kramdown: {footnote_backlink: "&#8617;&#xfe0e;"}, as jekyll-theme-chirpy sets it) and
# notes-none.html (footnote_backlink: "", no links back) beside notes.md, with Jekyll's own converter.
# ruby tests/cases/kramdown-footnote-backlink/expect.rb
require "jekyll"
source = File.read(File.join(__dir__, "notes.md"))
{"notes.html" => "&#8617;&#xfe0e;", "notes-none.html" => ""}.each do |name, backlink|
  options = {"kramdown" => {"footnote_backlink" => backlink}}
  converter = Jekyll::Converters::Markdown::KramdownParser.new(Jekyll::Configuration.from(options))
  File.write(File.join(__dir__, name), converter.convert(source))
end
