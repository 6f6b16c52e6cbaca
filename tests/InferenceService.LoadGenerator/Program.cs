using InferenceService.LoadGenerator.Cli;

return await LoadGeneratorCommand.Create(Console.Out, Console.Error).Parse(args).InvokeAsync().ConfigureAwait(false);
