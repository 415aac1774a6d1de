# Writes NAME.html beside each NAME.md here with Rouge turned off, as a site does with
# kramdown: {syntax_highlighter_opts: {disable: true}} (or highlighter: none), by Jekyll's own converter.
# ruby tests/cases/kramdown-no-rouge/expect.rb
require "jekyll"
options = {"kramdown" => {"syntax_highlighter_opts" => {"disable" => true}}}
converter = Jekyll::Converters::Markdown::KramdownParser.new(Jekyll::Configuration.from(options))
Dir[File.join(__dir__, "*.md")].sort.each do |source|
  File.write(source.sub(/\.md\z/, ".html"), converter.convert(File.read(source)))
end
