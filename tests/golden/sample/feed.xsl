<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed from feedpub as a readable page in a browser.
     Feed readers ignore it; people who click a feed link see what it is and how to subscribe. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/atom:feed/atom:title | /rss/channel/title"/>
  <xsl:variable name="description" select="/atom:feed/atom:subtitle | /rss/channel/description"/>
  <xsl:variable name="self" select="/atom:feed/atom:link[@rel='self']/@href | /rss/channel/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home" select="/atom:feed/atom:link[@rel='alternate']/@href | /rss/channel/link"/>

  <xsl:template match="/">
    <html>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; max-width: 46rem;
                 margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #1d1d1f; }
          .notice { background: #f3f6fb; border: 1px solid #c9d6ea; border-radius: 6px; padding: 0.8rem 1rem; }
          .notice code { word-break: break-all; background: #fff; padding: 0.1rem 0.3rem; }
          li { margin: 0.8rem 0; } time { color: #666; font-size: 0.9em; margin-left: 0.5rem; }
        </style>
      </head>
      <body>
        <p class="notice" id="subscribe">This is a web feed. Subscribe by copying this URL into your feed reader:
          <code><xsl:value-of select="$self"/></code></p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><xsl:value-of select="$description"/></p>
        <p><a href="{$home}">Visit the site</a></p>
        <h2>Recent entries</h2>
        <ul id="entries">
          <xsl:apply-templates select="/atom:feed/atom:entry | /rss/channel/item"/>
        </ul>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      <time><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a href="{link}"><xsl:value-of select="title"/></a>
      <time><xsl:value-of select="substring(pubDate, 6, 11)"/></time>
    </li>
  </xsl:template>
</xsl:stylesheet>
