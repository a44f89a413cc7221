/// A command's failure that the operator can fix (a file exists, a password is too short): Vapor logs its
/// description and the entry point exits with status 1, instead of crashing with a backtrace.
public protocol OperatorFacingError: Error, CustomStringConvertible {}
