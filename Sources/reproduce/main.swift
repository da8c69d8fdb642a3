import Foundation
import Harness

// Pin OpenBLAS's kernel first: the library is already loaded, so this may re-execute the process.
let arguments = Array(CommandLine.arguments.dropFirst())
BLASKernel.pinByReexecuting(nativeRequested: Reproduce.requestsNativeBLAS(arguments))
MemoryTuning.apply()
exit(Reproduce.invoke(arguments, environment: .live()))
