"""Maps from the model: :mod:`.methods` (CAM, the Grad-CAM family, Score-CAM), :mod:`.engine`
(prediction + maps, cached; returns :mod:`.explanation`'s data), :mod:`.settings` (the one
check of what is asked), :mod:`.batching` (the model runner seam: many people's passes as one),
:mod:`.zerogpu` (a runner for ZeroGPU Spaces: live work on the CPU, GPU leases for heavy work),
:mod:`.render` (maps → pictures), :mod:`.road` (faithfulness, Rong et al. 2022)."""
