using Ledger.Cli;

return await LedgerCli.RunAsync(args, CliContext.FromProcess());
