package studio.reyna.app.browser;

import com.microsoft.playwright.Page;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/**
 * Runs axe-core (the WebJar on the test classpath, which the studio under test serves like its own
 * libraries, so the page's Content-Security-Policy lets it load) against what a page shows, with
 * the WCAG 2.1 A and AA rules.
 */
final class Accessibility {
    private static final String VERSION = axeVersion();

    private Accessibility() {
    }

    /** Each rule the page breaks, with up to three of the elements that break it; empty when none. */
    @SuppressWarnings("unchecked")
    static List<String> violations(Page page) {
        if (!(Boolean) page.evaluate("() => typeof window.axe !== 'undefined'")) {
            page.addScriptTag(new Page.AddScriptTagOptions().setUrl("/webjars/axe-core/" + VERSION + "/axe.min.js"));
        }
        return (List<String>) page.evaluate("""
                async () => {
                  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
                  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at `
                      + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
                }""");
    }

    private static String axeVersion() {
        try (var in = Accessibility.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/axe-core/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("axe-core is not on the test classpath");
            }
            var properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
