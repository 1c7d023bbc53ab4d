return Loco.Cli.LocoApp.Run(args);
