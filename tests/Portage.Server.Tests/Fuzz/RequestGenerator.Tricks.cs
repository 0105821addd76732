using System.Text;

namespace Portage.Server.Tests.Fuzz;

internal sealed partial class RequestGenerator
{
    // Mostly the caller's key, well formed or oddly formed; sometimes none, garbage, another scheme, or megabytes.
    private string? Authorization(Tenant me, Tenant them, List<string> tricks)
    {
        var roll = random.Next(100);
        if (roll < 72)
        {
            return "Bearer " + me.ApiKey;
        }

        var (header, trick) = roll switch
        {
            < 76 => (random.Pick("bearer   ", "BEARER ", "Bearer\t") + me.ApiKey + random.Pick("", "  ", "\t"), "odd but valid key"),
            < 81 => ((string?)null, "no key"),
            < 85 => ("Bearer " + Hostile.Text(random).Replace('\r', ' ').Replace('\n', ' '), "garbage key"),
            < 88 => ("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + me.ApiKey)), "basic scheme"),
            < 91 => (random.Pick("Bearer", "Bearer ", "", " "), "empty key"),
            < 94 => ("Bearer " + me.ApiKey + random.Pick("x", " " + them.ApiKey, "," + them.ApiKey), "key with a suffix"),
            < 96 => ("Bearer " + me.ApiKey[..Math.Min(12, me.ApiKey.Length)], "key prefix only"),
            _ => ("Bearer " + new string('k', random.Next(10_000, 60_000)), "huge key"),
        };
        tricks.Add(trick);
        return header;
    }

    // Request-wide tricks: another method, another content type, a body where none belongs.
    private void Harden(FuzzRequest request, Tenant me)
    {
        if (random.Chance(0.04))
        {
            // A GET of the caller's own marked source turned into DELETE would delete it with the caller's own key:
            // allowed, and then the check that nothing of a tenant was changed by another finds it gone. Destructive
            // calls name only spare resources (see the class comment), so the switch keeps to that too.
            var protectedIds = me.EndUsers.Select(u => u.WindowId).Append(me.MarkedSourceId);
            // A path with a dot segment climbs to its parent: a GET of sources/%2e%2e turned into DELETE deletes the sandbox.
            var methods = protectedIds.Any(id => request.Path.Contains(id, StringComparison.Ordinal)) || Hostile.Climbs(request.Path)
                ? s_methods.Where(m => m != "DELETE").ToArray() : s_methods;
            request.Method = new HttpMethod(random.Pick(methods));
            request.Tricks.Add("method " + request.Method);
        }

        if (request.Body is not null && random.Chance(0.1))
        {
            request.ContentType = random.Chance(0.2) ? null : random.Pick(s_contentTypes);
            request.Tricks.Add("content type " + (request.ContentType ?? "(none)"));
        }
        else if (request.Body is null && random.Chance(0.03))
        {
            request.Body = Encoding.UTF8.GetBytes(Hostile.AnyJson(random));
            request.ContentType = "application/json";
            request.Tricks.Add("unexpected body");
        }
    }
}
