// rf-eltwise.glsl — push constants and indexing shared by the
// elementwise and copy shaders. Mirrors RfVkEltwisePush in
// vulkan/vk-push.h (size-checked there).
//
// A dispatch covers one 4-D box of the op's index space. Tensor t
// (0 = destination, 1..3 = sources) reaches box element (i0,i1,i2,i3) at
//   offset[t] + i0*stride[t].x + i1*stride[t].y + i2*stride[t].z + i3*stride[t].w
// elements from the start of its binding. Broadcast dims have stride 0.
#ifndef RF_ELTWISE_GLSL
#define RF_ELTWISE_GLSL

layout (push_constant) uniform RfEltwisePush
{
  uvec4 shape;      // box extents, outermost first
  uvec4 stride[4];  // per tensor, in elements
  uvec4 offset;     // per tensor: the box origin, in elements
  uint n;           // shape.x * shape.y * shape.z * shape.w
  float f0;
  float f1;
  uint pad_;
} pc;

// Element offsets of the box element with linear index @i for every
// tensor (row-major over the box).
uvec4 rf_eltwise_offsets (uint i)
{
  uint i3 = i % pc.shape.w;
  uint r = i / pc.shape.w;
  uint i2 = r % pc.shape.z;
  r /= pc.shape.z;
  uint i1 = r % pc.shape.y;
  uint i0 = r / pc.shape.y;
  uvec4 o = pc.offset;
  for (int t = 0; t < 4; t++)
    o[t] += i0 * pc.stride[t].x + i1 * pc.stride[t].y + i2 * pc.stride[t].z
            + i3 * pc.stride[t].w;
  return o;
}

// Invocations walk the box with a grid stride, so any box size works
// with a capped number of workgroups.
#define RF_ELTWISE_FOR_EACH(i) \
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

#endif
