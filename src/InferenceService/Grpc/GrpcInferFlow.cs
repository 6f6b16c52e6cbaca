using System.Buffers;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using InferenceService.Contracts;
using InferenceService.Endpoints;
using InferenceService.Engine;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Errors;
using InferenceService.Grpc.Protocol;
using InferenceService.Telemetry;

namespace InferenceService.Grpc;

/// <summary>
/// gRPC's ModelInfer on the request path every API shares: the door (<see cref="InferenceDoor"/>) made the
/// server-wide checks before the message was read; here the model version is resolved and admitted against its
/// queue, the message read into raw inputs (<see cref="GrpcInferRequestReader"/>), checked whole and decoded by the
/// pipeline, queued, batched and run by the model's scheduler, recorded for accuracy and telemetry, and answered with
/// every output in <c>raw_output_contents</c> (what Triton's gRPC client reads). The call's deadline bounds its time
/// in the queue: a request still waiting when it passes leaves the queue and is answered DeadlineExceeded.
/// </summary>
internal sealed class GrpcInferFlow(InferenceServices services, TimeProvider time)
{
    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var record = InferenceRecord.Start(http, string.IsNullOrEmpty(request.ModelName) ? null : request.ModelName);
        InferenceAdmission? admission = null;
        try
        {
            var decodeStarted = Stopwatch.GetTimestamp();
            if (services.Lifecycle.LoadsOnDemand && !string.IsNullOrEmpty(request.ModelName))
            {
                // A model of the repository that is not loaded is loaded now (the call waits), then admitted below.
                (await services.Lifecycle.AcquireAsync(request.ModelName, string.IsNullOrEmpty(request.ModelVersion) ? null : request.ModelVersion, context.CancellationToken).ConfigureAwait(false)).Exit();
            }
            var model = Admit(request, ref admission);
            record.Version = model.VersionText;
            var problems = new RequestProblems();
            using var inputs = GrpcInferRequestReader.Read(request, model, ref problems);
            var decoded = problems.Any ? null : services.Pipeline.Decode(model, inputs.Inputs, inputs.Outputs, ref problems);
            if (decoded is null)
            {
                throw problems.ToException();
            }
            using (decoded)
            {
                record.Decode = Stopwatch.GetElapsedTime(decodeStarted);
                var running = InferenceFlow.Enqueue(services, decoded, admission, QueueTimeout(inputs.QueueTimeout, context.Deadline), context.CancellationToken);
                using var result = await running.ConfigureAwait(false);
                var completed = Stopwatch.GetTimestamp();
                record.EngineCompleted = completed;
                record.Timings = result.Timings;
                var id = string.IsNullOrEmpty(request.Id) ? PredictionIds.New() : request.Id;
                services.Accuracy.Record(result, id, default, InlineTargets.ProtocolParameter);
                record.PredictionId = PredictionIds.HeaderValue(id);
                http.Response.Headers[PredictionIds.HeaderName] = record.PredictionId;
                var response = Write(result, id, inputs.Choices);
                record.Encode = Stopwatch.GetElapsedTime(completed);
                return response;
            }
        }
        catch (InferenceException e)
        {
            throw Fail(record, e);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The call's deadline passed (or the client went away) while the request waited or ran alone.
            var deadlinePassed = context.Deadline != DateTime.MaxValue && time.GetUtcNow().UtcDateTime >= context.Deadline;
            if (deadlinePassed)
            {
                throw Fail(record, new InferenceException(InferenceErrorKind.DeadlineExceeded, "The call's deadline passed before the model ran the request."));
            }
            record.AnswerStatus = 499;
            throw GrpcErrors.Of(StatusCode.Cancelled, "The call was cancelled.");
        }
        finally
        {
            admission?.Release();
        }
    }

    private RpcException Fail(InferenceRecord record, InferenceException error)
    {
        record.Error = error.Kind;
        record.AnswerStatus = InferenceErrors.StatusCodeOf(error.Kind);
        InferenceFlow.CountRefusal(services, record, error);
        return GrpcErrors.Of(error);
    }

    /// <summary>The version to run, and its place in that version's queue (refused now, before anything is decoded, when the queue is full).</summary>
    private LoadedModel Admit(ModelInferRequest request, ref InferenceAdmission? admission)
    {
        if (string.IsNullOrEmpty(request.ModelName))
        {
            throw InferenceException.InvalidInput("\"model_name\" is required: the name of a model in the repository.");
        }
        var model = services.Registry.Resolve(request.ModelName, string.IsNullOrEmpty(request.ModelVersion) ? null : request.ModelVersion);
        var refusal = Admission.TryAdmit(model, out var ticket);
        if (refusal != AdmissionRefusal.None)
        {
            throw Admission.Error(refusal, services.Scheduling, model);
        }
        admission = new InferenceAdmission(model, ticket);
        return model;
    }

    /// <summary>The shorter of the request's timeout parameter and the time left before the call's deadline.</summary>
    private TimeSpan? QueueTimeout(TimeSpan? requested, DateTime deadline)
    {
        if (deadline == DateTime.MaxValue)
        {
            return requested;
        }
        var left = deadline - time.GetUtcNow().UtcDateTime;
        left = left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
        return requested is { } asked && asked < left ? asked : left;
    }

    /// <summary>
    /// The response: each output's name, datatype and shape, and its elements in <c>raw_output_contents</c>; an output
    /// asked for as a classification as its top classes, BYTES, ranked by the code the REST API answers with.
    /// </summary>
    private static ModelInferResponse Write(InferenceResult result, string id, OutputChoices? choices)
    {
        var response = new ModelInferResponse { ModelName = result.Model.Name, ModelVersion = result.Model.VersionText, Id = id };
        var classified = Classifications.Classify(result, choices);
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            var value = result.Values[i];
            if (classified?[i] is { } classes)
            {
                response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = result.Outputs[i].Name, Datatype = "BYTES", Shape = { classes.Shape } });
                var strings = new ArrayBufferWriter<byte>((int)Math.Min(int.MaxValue, RawTensorEncoder.ByteLength(classes.Values)));
                RawTensorEncoder.WriteStrings(strings, classes.Values);
                response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(strings.WrittenMemory));
                continue;
            }
            var output = new ModelInferResponse.Types.InferOutputTensor
            {
                Name = result.Outputs[i].Name,
                Datatype = TensorDataType.ToProtocolName(value.ElementType),
            };
            for (var d = 0; d < value.Shape.Count; d++)
            {
                output.Shape.Add(value.Shape[d]);
            }
            response.Outputs.Add(output);
            // The message outlives the result (it is serialized after this returns): fixed-size outputs are copied
            // once out of ONNX Runtime's memory, BYTES written once into an array the message then owns.
            response.RawOutputContents.Add(RawTensorEncoder.TryGetBytes(value, out var bytes)
                ? ByteString.CopyFrom(bytes)
                : UnsafeByteOperations.UnsafeWrap(RawTensorEncoder.ToArray(value)));
        }
        return response;
    }
}
