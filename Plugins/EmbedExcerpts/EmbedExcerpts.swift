import Foundation
import PackagePlugin

/// Embeds the `// excerpt:` regions of the harness and every paper family into the target it is
/// applied to (the `Papers` registry), as `compiledExcerpts`, so reports show the code that was
/// compiled rather than whatever source tree lies beside the binary at run time.
@main
struct EmbedExcerpts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sources = context.package.targets
            .compactMap { $0 as? SwiftSourceModuleTarget }
            .filter { $0.name == "Harness" || $0.directoryURL.path.contains("/Sources/Papers/") }
            .flatMap { $0.sourceFiles(withSuffix: "swift").map(\.url) }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "CompiledExcerpts.swift")
        return [.buildCommand(
            displayName: "Embedding code excerpts in \(target.name)",
            executable: try context.tool(named: "embed-excerpts").url,
            arguments: [context.package.directoryURL.path, output.path] + sources.map(\.path),
            inputFiles: sources,
            outputFiles: [output])]
    }
}
