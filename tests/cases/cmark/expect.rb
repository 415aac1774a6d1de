# Writes NAME.html beside each NAME.md: the HTML Jekyll 4.3 makes of it, through Jekyll's own
# kramdown converter with Jekyll's default options (kramdown 2.4, input GFM, Rouge).
require "jekyll"
converter = Jekyll::Converters::Markdown::KramdownParser.new(Jekyll::Configuration.from({}))
Dir[File.join(__dir__, "*.md")].sort.each do |source|
  next if File.basename(source) == "README.md"
  File.write(source.sub(/\.md\z/, ".html"), converter.convert(File.read(source)))
end
