using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Portage.Server.Tests.Console;

/// <summary>
/// Accessibility checks run in the page itself, with nothing downloaded: accessible names as Chromium computes them
/// (Playwright's ARIA snapshot), focus visibility at every tab stop, and WCAG 2 AA contrast (4.5:1) of every piece of
/// text as rendered (computed colours against the nearest opaque background).
/// </summary>
internal static partial class A11y
{
    // WCAG 2.x relative luminance and contrast ratio, from the computed colours. Disabled controls are exempt (WCAG
    // 1.4.3); text in an SVG is checked with its fill. A background is the nearest ancestor's opaque one.
    private const string ContrastScript = """
        () => {
          const parse = c => { const m = /rgba?\(([^)]+)\)/.exec(c); if (!m) return null; const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          const luminance = c => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
          const ratio = (a, b) => { const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
          const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
          const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : '');
          const problems = [];
          let checked = 0;
          for (const el of document.querySelectorAll('body *')) {
            if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden' || el.closest(':disabled, option, .sr-only')) continue;
            const field = el.matches('input, select, textarea');
            const text = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()) || (field && (el.value || el.placeholder));
            if (!text) continue;
            const style = getComputedStyle(el);
            const colours = [el instanceof SVGElement ? style.fill : style.color];
            if (field && el.placeholder) colours.push(getComputedStyle(el, '::placeholder').color);
            for (const colour of colours) {
              checked++;
              const r = ratio(parse(colour), background(el));
              if (r < 4.5) problems.push(`${name(el)} "${(el.textContent || el.value || el.placeholder).trim().slice(0, 30)}": ${r.toFixed(2)}:1 (${colour} on ${getComputedStyle(el).backgroundColor})`);
            }
          }
          return JSON.stringify({ checked, problems });
        }
        """;

    /// <summary>
    /// Visible form controls, buttons and links without an accessible name, as "snapshot: html". (A <c>summary</c> is
    /// named by its text, which the ARIA snapshot shows as plain text; the views give every one a text.)
    /// </summary>
    public static async Task<List<string>> UnnamedControlsAsync(IPage page)
    {
        var unnamed = new List<string>();
        var controls = page.Locator("input:visible, select:visible, textarea:visible, button:visible, a[href]:visible");
        var count = await controls.CountAsync();
        Assert.True(count > 0, "no visible controls to check");
        for (var i = 0; i < count; i++)
        {
            var control = controls.Nth(i);
            var snapshot = await control.AriaSnapshotAsync();
            if (!NamedNode().IsMatch(snapshot))
            {
                unnamed.Add($"{snapshot.Split('\n')[0]}: {await control.EvaluateAsync<string>("e => e.outerHTML.slice(0, 120)")}");
            }
        }

        return unnamed;
    }

    /// <summary>Every rendered piece of text below AA contrast, and how many were checked.</summary>
    public static async Task<(int Checked, List<string> Problems)> ContrastProblemsAsync(IPage page)
    {
        using var result = JsonDocument.Parse(await page.EvaluateAsync<string>(ContrastScript));
        return (result.RootElement.GetProperty("checked").GetInt32(), [.. result.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)]);
    }

    /// <summary>
    /// Presses Tab (Shift+Tab backwards) until <paramref name="selector"/> has the focus, checking that every stop on the
    /// way shows a focus indicator.
    /// </summary>
    public static async Task TabToAsync(IPage page, string selector, bool backwards = false)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            var stop = await FocusedAsync(page);
            Assert.True(stop.Visible, $"{stop.Element} has the focus but shows no focus indicator");
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) === true", selector))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}");
    }

    /// <summary>Tabs from the top of the page through every stop of the current view; returns them, each with whether its focus shows.</summary>
    public static async Task<List<(string Element, bool Visible)>> TabThroughAsync(IPage page)
    {
        await page.Locator(".skip").FocusAsync();
        var stops = new List<(string Element, bool Visible)>();
        for (var presses = 0; presses < 200; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            var stop = await FocusedAsync(page);
            if (stop.Element == "body" || stops.Any(s => s.Element == stop.Element))
            {
                break;
            }

            stops.Add(stop);
        }

        return stops;
    }

    // The focused element and whether it shows an indicator: :focus-visible with an outline at least 2 px wide.
    private static async Task<(string Element, bool Visible)> FocusedAsync(IPage page)
    {
        using var focused = JsonDocument.Parse(await page.EvaluateAsync<string>("""
            () => {
              const e = document.activeElement;
              const key = e === document.body ? 'body' : `${e.tagName.toLowerCase()}#${e.id}[${[...document.querySelectorAll(e.tagName)].indexOf(e)}] ${(e.textContent || '').trim().slice(0, 30)}`;
              const s = getComputedStyle(e);
              return JSON.stringify({ element: key, visible: e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 });
            }
            """));
        return (focused.RootElement.GetProperty("element").GetString()!, focused.RootElement.GetProperty("visible").GetBoolean());
    }

    // A snapshot line like `- textbox "Message"` or `- combobox "Provider":`; an unnamed control has no quoted name.
    [GeneratedRegex("""^- [a-z]+ "[^"]+""")]
    private static partial Regex NamedNode();
}
