# Writes NAME.html beside each NAME.md here, as tests/cases/kramdown/expect.rb does, with the option a site
# sets for line numbers: kramdown: {syntax_highlighter_opts: {block: {line_numbers: true}}}.
# ruby tests/cases/kramdown-line-numbers/expect.rb
require "jekyll"
options = {"kramdown" => {"syntax_highlighter_opts" => {"block" => {"line_numbers" => true}}}}
converter = Jekyll::Converters::Markdown::KramdownParser.new(Jekyll::Configuration.from(options))
Dir[File.join(__dir__, "*.md")].sort.each do |source|
  File.write(source.sub(/\.md\z/, ".html"), converter.convert(File.read(source)))
end
