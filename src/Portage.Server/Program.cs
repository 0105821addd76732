// The Portage router. PortageServer.Build is the table of contents: services, middleware, endpoints.
return await Portage.Server.PortageServer.RunAsync(args, Console.Error);
