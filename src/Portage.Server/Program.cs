// The Portage router. PortageServer.Build is the table of contents: services, middleware, endpoints.
await Portage.Server.PortageServer.Build(args).RunAsync();
