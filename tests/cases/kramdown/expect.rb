# Writes NAME.html beside each NAME.md: the HTML Jekyll 4.3 makes of it, through Jekyll's own
# kramdown converter with Jekyll's default options (kramdown 2.4, input GFM, Rouge).
# In this folder, or in each folder given: ruby tests/cases/kramdown/expect.rb tests/cases/cmark
require "jekyll"
converter = Jekyll::Converters::Markdown::KramdownParser.new(Jekyll::Configuration.from({}))
(ARGV.empty? ? [__dir__] : ARGV).each do |folder|
  Dir[File.join(folder, "*.md")].sort.each do |source|
    next if File.basename(source) == "README.md"
    File.write(source.sub(/\.md\z/, ".html"), converter.convert(File.read(source)))
  end
end
